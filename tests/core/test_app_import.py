"""The application builds in a fresh interpreter, whatever imports first (as `flask --app meetingprep` does)."""

import subprocess
import sys


def test_create_app_in_a_fresh_interpreter(tmp_path):
    code = ("from meetingprep import create_app; "
            f"create_app({{'DATABASE_URL': 'sqlite:///{tmp_path}/x.sqlite', 'SECRET_KEY': 'x'}})")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
