"""Command line: ``flask --app meetingprep <group> <command>``."""

from __future__ import annotations

import click
from flask import Flask
from werkzeug.serving import run_simple


def init_app(app: Flask) -> None:
    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--scheduler/--no-scheduler", default=True, show_default=True,
                  help="Run the reminder scheduler inside this process.")
    def serve(host: str, port: int, scheduler: bool) -> None:
        """Development server with the reminder scheduler embedded (what `make run` starts)."""
        if scheduler:
            from meetingprep.notifications.scheduler import start_scheduler

            # Started here and only here: this process has no reloader, so it starts exactly once.
            start_scheduler(app)
        click.echo(f"MeetingPrep 已启动：http://{host}:{port}/")
        # Not app.run(): Flask ignores it inside a `flask` command (FLASK_RUN_FROM_CLI).
        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)

    @app.cli.group("scheduler")
    def scheduler_group() -> None:
        """The reminder scheduler (one process per installation)."""

    @scheduler_group.command("run")
    def scheduler_run() -> None:
        """Run the scheduler in the foreground until SIGTERM (the systemd unit's command)."""
        from meetingprep.notifications.scheduler import run_forever

        click.echo("提醒调度器已启动（Ctrl+C 或 SIGTERM 停止）。")
        run_forever(app)
        click.echo("提醒调度器已停止。")

    @scheduler_group.command("run-once")
    @click.option("--digest", is_flag=True, help="Also send today's digest (once per day whatever happens).")
    def scheduler_run_once(digest: bool) -> None:
        """One reminder scan and one outbox delivery, then exit (for cron or a manual nudge)."""
        from meetingprep.notifications.scheduler import execute_job

        failed = False
        for job_id in ("reminders.scan", *(("digest.daily",) if digest else ()), "outbox.deliver"):
            succeeded, message = execute_job(job_id)
            failed |= not succeeded
            click.echo(f"{job_id}: {'成功' if succeeded else '失败'} — {message}")
        if failed:
            raise SystemExit(1)
