"""Every blueprint, registered in this order. Each domain adds its own line."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from meetingprep.audit_views import bp as audit_bp
    from meetingprep.auth.users_views import bp as users_bp
    from meetingprep.auth.views import bp as auth_bp
    from meetingprep.groups.views import bp as groups_bp
    from meetingprep.meetings.views import bp as meetings_bp
    from meetingprep.notifications.views import bp as notifications_bp

    for blueprint in (auth_bp, users_bp, meetings_bp, groups_bp, audit_bp, notifications_bp):
        app.register_blueprint(blueprint)
    _register_domain_blueprints(app)


def _register_domain_blueprints(app: Flask) -> None:
    """Domain packages: one import-and-register line each."""
    from meetingprep.attendance.views import bp as attendance_bp
    app.register_blueprint(attendance_bp)
    from meetingprep.ops.views import bp as ops_bp
    app.register_blueprint(ops_bp)
    from meetingprep.dashboard.views import bp as dashboard_bp
    app.register_blueprint(dashboard_bp)
    from meetingprep.documents.views import bp as documents_bp
    app.register_blueprint(documents_bp)
    from meetingprep.tasks.views import bp as tasks_bp
    app.register_blueprint(tasks_bp)
    from meetingprep.plans.views import bp as plans_bp
    app.register_blueprint(plans_bp)
    from meetingprep.agenda.views import bp as agenda_bp
    app.register_blueprint(agenda_bp)
    from meetingprep.materials.views import bp as materials_bp
    app.register_blueprint(materials_bp)
    from meetingprep.notices.views import bp as notices_bp
    app.register_blueprint(notices_bp)
    from meetingprep.archive.views import bp as archive_bp
    app.register_blueprint(archive_bp)
    from meetingprep.opinions.views import bp as opinions_bp
    app.register_blueprint(opinions_bp)
    from meetingprep.records.views import bp as records_bp
    app.register_blueprint(records_bp)
    from meetingprep.instructions.views import bp as instructions_bp
    app.register_blueprint(instructions_bp)
