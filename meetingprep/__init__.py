"""MeetingPrep — 大会筹备工作平台.

``create_app`` reads top to bottom: paths, configuration, extensions, models, blueprints,
template helpers, error pages, CLI.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_ROOT = Path(__file__).resolve().parent


def create_app(config: dict | None = None) -> Flask:
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("MEETINGPREP_INSTANCE_PATH") \
        or PROJECT_ROOT / "instance"
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )

    from meetingprep.config import load_config

    load_config(app, config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    if app.config["PROXY_FIX_X_FOR"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from meetingprep import server_timing

    server_timing.init_app(app)

    from meetingprep.db import include_in_migrations, ping_idle_connections
    from meetingprep.extensions import bootstrap, csrf, db, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        ping_idle_connections(db.engine, app.config["DATABASE_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(PACKAGE_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True,
                     include_object=include_in_migrations)
    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)

    import meetingprep.models  # noqa: F401  (every mapper known before the first request)
    from meetingprep import navigation, web
    from meetingprep.blueprints import register_blueprints

    web.init_url_converters(app)
    register_blueprints(app)
    web.init_app(app)
    navigation.init_app(app)

    from meetingprep.notifications.rules import load_domain_rules

    load_domain_rules()  # each domain's reminder rules (tasks, documents, attendance) and wording kinds

    from meetingprep.web_errors import register_error_handlers

    register_error_handlers(app)

    from meetingprep import cli

    cli.init_app(app)
    return app
