"""Notices (通知公告) with read receipts: the secretariat tells scopes of members and staff, sees who read."""
