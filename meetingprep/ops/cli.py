"""``flask --app meetingprep backup`` and ``restore``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from meetingprep.auth import throttle
from meetingprep.extensions import db
from meetingprep.ops.backup import BackupError, create_backup, restore_backup, secret_key_source
from meetingprep.ops.sessions import purge_ended_sessions


def init_app(app: Flask) -> None:
    @app.cli.command("backup")
    @click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="备份文件存放的目录（默认 instance/backups）。")
    def backup(output: Path | None) -> None:
        """备份数据库、全部上传文件、密钥和配置文件（服务运行时也可以执行）。"""
        try:
            archive = create_backup(output or Path(app.instance_path) / "backups")
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"备份完成：{archive}")
        click.echo("其中包括数据库、全部上传文件、密钥和配置文件：请像保管密码一样保管备份。")
        if secret_key_source() == "environment":
            click.echo("注意：SECRET_KEY 来自环境变量，没有包含在备份中；请另行妥善保存，恢复时设置同一个值。")

    @app.cli.command("restore")
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="不再确认，直接覆盖当前数据。")
    def restore(archive: Path, yes: bool) -> None:
        """从备份恢复：覆盖当前数据库、全部上传文件和密钥（请先停止网站和调度进程）。"""
        if not yes:
            click.confirm("恢复会覆盖当前数据库和全部上传文件，确定继续吗？", abort=True)
        try:
            manifest = restore_backup(archive)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"已恢复 {manifest['created_at']} 的备份：")
        for item in manifest["restored"]:
            click.echo(f"  - {item}")
        click.echo("请重新启动网站和调度进程，使恢复的数据和密钥生效。")

    @app.cli.group("sessions")
    def sessions() -> None:
        """登录会话维护。"""

    @sessions.command("purge")
    @click.option("--days", default=30, show_default=True, help="删除结束超过这么多天的会话记录。")
    def purge(days: int) -> None:
        """删除早已结束的登录会话记录（可每周由 cron 执行）。"""
        removed = purge_ended_sessions(days)
        forgotten = throttle.purge()
        db.session.commit()
        click.echo(f"已删除 {removed} 条过期的登录会话记录，{forgotten} 条已失效的登录等待记录。")
