"""Command line: ``flask --app meetingprep <group> <command>``."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    from meetingprep.ops import cli as ops_cli

    ops_cli.init_app(app)

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def serve(host: str, port: int) -> None:
        """Development server with the reminder scheduler embedded (what `make run` starts)."""
        click.echo(f"MeetingPrep 已启动：http://{host}:{port}/")
        app.run(host=host, port=port, debug=False, use_reloader=False)
