"""WSGI entry point for gunicorn (``gunicorn wsgi:app``).

Web workers never start the reminder scheduler: run ``flask --app meetingprep scheduler run``
as its own single process (see README, 部署).
"""

from meetingprep import create_app
from meetingprep.servers import hide_gunicorn_banner

hide_gunicorn_banner()
app = create_app()
