"""Domain errors raised by services (a rule said no), in Chinese for the person who asked.

Plain exceptions without Flask: services, the CLI and scheduler jobs raise and catch them alike. How a
web request answers one (a page, JSON, a flash) is ``web_errors.py``'s business.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``message`` is shown to the user as it is, so it is Chinese."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    status_code = 403

    def __init__(self, message: str = "您没有执行此操作的权限。"):
        super().__init__(message)


class NotFound(DomainError):
    status_code = 404

    def __init__(self, message: str = "您要找的内容不存在或已被删除。"):
        super().__init__(message)


class Conflict(DomainError):
    """Someone else changed the record first; the user's input must be kept and shown again."""

    status_code = 409

    def __init__(self, message: str = "该记录已被他人修改，请查看最新内容后再保存。"):
        super().__init__(message)


class InvalidTransition(DomainError):
    status_code = 409


class ValidationFailed(DomainError):
    status_code = 400
