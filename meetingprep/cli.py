"""Command line: ``flask --app meetingprep <group> <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from meetingprep import audit
from meetingprep.errors import DomainError
from meetingprep.extensions import db
from meetingprep.permissions import Role

users_cli = AppGroup("users", help="用户账号：创建、列出、设置密码。")


def _fail(error: DomainError) -> None:
    db.session.rollback()
    raise click.ClickException(error.message)


@users_cli.command("create")
@click.option("--username", required=True, help="登录用的用户名")
@click.option("--name", "display_name", required=True, help="姓名")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--group", "group_name", default=None, help="加入当前会议的这个工作组（组名）")
@click.option("--password", default=None, help="不填则交互输入（不回显，需确认）")
def create_user_command(username: str, display_name: str, role: str, group_name: str | None,
                        password: str | None) -> None:
    """Create an account (the first administrator on a fresh installation, for instance)."""
    from meetingprep.auth.services import create_user
    from meetingprep.groups.models import WorkingGroup
    from meetingprep.groups.services import add_member
    from meetingprep.web import current_meeting

    if password is None:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    try:
        with audit.acting_as(None):
            user = create_user(None, username=username, display_name=display_name, role=Role(role),
                               password=password)
            if group_name:
                meeting = current_meeting()
                group = meeting and db.session.scalar(select(WorkingGroup).where(
                    WorkingGroup.meeting_id == meeting.id, WorkingGroup.name == group_name))
                if group is None:
                    raise click.ClickException(f"当前会议没有名为“{group_name}”的工作组。")
                add_member(None, group, user, is_lead=Role(role) == Role.GROUP_LEAD)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.display_name}，{user.role.label}）。")


@users_cli.command("list")
def list_users_command() -> None:
    """Every account, one a line: username, name, role, state."""
    from meetingprep.auth.models import User

    for user in db.session.scalars(select(User).order_by(User.role, User.username)):
        state = "" if user.is_active_account else "  [已停用]"
        click.echo(f"{user.username:<20} {user.display_name:<12} {user.role.label}{state}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="不填则交互输入（不回显，需确认）")
def set_password_command(username: str, password: str | None) -> None:
    """Set a password (and end the user's sessions), e.g. when an administrator forgot theirs."""
    from meetingprep.auth.services import find_user, reset_password

    user = find_user(username)
    if user is None:
        raise click.ClickException(f"没有用户名为“{username}”的用户。")
    if password is None:
        password = click.prompt("新密码", hide_input=True, confirmation_prompt="再次输入新密码")
    try:
        with audit.acting_as(None):
            reset_password(None, user, password)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"已为 {user.username} 设置新密码。")


def print_demo_logins() -> None:
    from meetingprep.demo import DEMO_LOGINS

    click.echo(f"演示账号（密码均为 {current_app.config['DEMO_PASSWORD']}）：")
    for username, who in DEMO_LOGINS:
        click.echo(f"  {username:<12} {who}")


@click.command("demo")
@click.option("--scale", type=click.Choice(["small", "large", "xl"]), default="small", show_default=True,
              help="small：约 300 名委员；large：性能测试（3000 名委员、2 万项任务）；xl：十届会议共 20 万项任务")
@click.option("--reset", is_flag=True, help="删除所有数据后重建（不可恢复）")
@click.option("--if-empty", is_flag=True, help="已有会议时什么也不做（make run 使用）")
def demo_command(scale: str, reset: bool, if_empty: bool) -> None:
    """Load the demo: the meeting, 8 working groups, staff, leaders, members, and every domain's data."""
    from meetingprep.demo import build_demo, has_data, progress_steps

    if not reset and has_data():
        if if_empty:
            click.echo("数据库中已有会议，保留现有数据，不加载演示数据。")
            print_demo_logins()
            return
        raise click.ClickException("数据库中已有数据。要清空后重建演示数据，请加 --reset。")
    if reset and not if_empty:
        click.confirm("将删除数据库中的全部数据并重建演示数据，确定吗？", abort=True, default=True)
    with click.progressbar(length=progress_steps(scale), label="正在生成演示数据",
                           show_pos=True) as bar:
        build_demo(scale=scale, reset=reset, progress=lambda _label: bar.update(1))
    click.echo("演示数据已生成。")
    print_demo_logins()


def init_app(app: Flask) -> None:
    from meetingprep.ops import cli as ops_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    ops_cli.init_app(app)

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--scheduler/--no-scheduler", default=True, show_default=True,
                  help="Run the reminder scheduler inside this process.")
    def serve(host: str, port: int, scheduler: bool) -> None:
        """Development server with the reminder scheduler embedded (what `make run` starts)."""
        from meetingprep.base_url import for_server

        link_base = for_server(app, host, port)  # before the scheduler: its mails and robots use it
        if scheduler:
            from meetingprep.scheduler import start_scheduler

            # Started here and only here: this process has no reloader, so it starts exactly once.
            start_scheduler(app)
        click.echo(f"MeetingPrep 已启动：{link_base}/  （监听 {host}:{port}，按 Ctrl+C 停止）")
        origin = "BASE_URL" if app.config["BASE_URL_CONFIGURED"] else "由 HOST/PORT 推导；可在配置中设置 BASE_URL"
        click.echo(f"二维码、邮件和群消息中的链接以 {link_base} 开头（{origin}）。")
        # Not app.run(): Flask ignores it inside a `flask` command (FLASK_RUN_FROM_CLI).
        from werkzeug.serving import run_simple

        from meetingprep.servers import QuietRequestHandler

        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True,
                   request_handler=QuietRequestHandler)

    @app.cli.group("scheduler")
    def scheduler_group() -> None:
        """The reminder scheduler (one process per installation)."""

    @scheduler_group.command("run")
    def scheduler_run() -> None:
        """Run the scheduler in the foreground until SIGTERM (the systemd unit's command)."""
        from meetingprep.scheduler import run_forever

        if not app.config["BASE_URL_CONFIGURED"]:
            click.echo(f"注意：未设置 BASE_URL，提醒中的链接将指向 {app.config['BASE_URL']}。", err=True)
        click.echo("提醒调度器已启动（Ctrl+C 或 SIGTERM 停止）。")
        run_forever(app)
        click.echo("提醒调度器已停止。")

    @scheduler_group.command("run-once")
    @click.option("--digest", is_flag=True, help="Also send today's digest (once per day whatever happens).")
    def scheduler_run_once(digest: bool) -> None:
        """One reminder scan and one outbox delivery, then exit (for cron or a manual nudge)."""
        from meetingprep.scheduler import execute_job

        failed = False
        for job_id in ("reminders.scan", *(("digest.daily",) if digest else ()), "outbox.deliver"):
            succeeded, message = execute_job(job_id)
            failed |= not succeeded
            click.echo(f"{job_id}: {'成功' if succeeded else '失败'} — {message}")
        if failed:
            raise SystemExit(1)
