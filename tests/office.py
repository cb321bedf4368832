"""The real office clients, for tests: LibreOffice converts what we export, poppler reads PDFs.

``convert(files, "csv", tmp_path)`` runs ``soffice --headless --convert-to`` with a profile of its own
(``-env:UserInstallation``), so parallel test runs never share LibreOffice's user profile (a shared one
makes the second instance hand its work to the first or fail). Without ``soffice`` a test skips, but
under CI (``CI`` set, as .ci/run does) it fails: CI must really have opened the files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

SOFFICE = os.environ.get("MEETINGPREP_SOFFICE") or shutil.which("soffice") or "/usr/bin/soffice"
PDFINFO = shutil.which("pdfinfo") or "/usr/bin/pdfinfo"
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
#: Calc's CSV export: comma, double quotes, UTF-8 (76), from line 1; quote all text cells; cells "as
#: shown" (the formatted text a person sees, e.g. 2026年12月12日 17:00); formulas not written as such;
#: every sheet (-1) into <name>-<sheet>.csv.
CSV_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,true,false,false,-1"
#: The same, but raw values (dates as LibreOffice's serial/ISO value, not formatted).
CSV_RAW = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,false,false,false,-1"
#: Reading a CSV: comma, double quotes, UTF-8, from line 1 (what Excel does with a UTF-8 file with a BOM).
CSV_UTF8_IN = "Text - txt - csv (StarCalc):44,34,76,1"
TIMEOUT_SECONDS = 180


def _missing(tool: str, path: str) -> None:
    message = f"{tool} not found at {path}: apt-get install libreoffice-calc-nogui poppler-utils"
    if os.environ.get("CI"):
        pytest.fail(f"under CI the real office clients must be installed — {message}")
    pytest.skip(message)


def require_soffice() -> str:
    if not Path(SOFFICE).exists():
        _missing("LibreOffice (soffice)", SOFFICE)
    return SOFFICE


def require_pdfinfo() -> str:
    if not Path(PDFINFO).exists():
        _missing("pdfinfo", PDFINFO)
    return PDFINFO


def convert(files: Path | list[Path], to: str, tmp_path: Path, infilter: str | None = None) -> Path:
    """Convert ``files`` with LibreOffice into a fresh directory under ``tmp_path``; returns it.

    ``to`` is what ``--convert-to`` takes: "pdf", "xlsx", "csv" or a filter string such as
    ``CSV_AS_SHOWN``. Several files go in one LibreOffice start (each start costs seconds).
    """
    soffice = require_soffice()
    files = [files] if isinstance(files, Path) else list(files)
    outdir = tmp_path / f"soffice-{uuid.uuid4().hex[:8]}"
    outdir.mkdir()
    profile = tmp_path / f"soffice-profile-{uuid.uuid4().hex[:8]}"
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               *([f"--infilter={infilter}"] if infilter else []),
               "--convert-to", to, "--outdir", str(outdir), *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                            env={**os.environ, "HOME": str(tmp_path)})
    produced = list(outdir.iterdir())
    assert result.returncode == 0 and produced, \
        f"LibreOffice did not convert {files} to {to}: rc={result.returncode} {result.stdout} {result.stderr}"
    return outdir


def pdfinfo(path: Path) -> dict[str, str]:
    """``pdfinfo``'s fields, e.g. {"Pages": "2", "Page size": "595.276 x 841.89 pts (A4)"}."""
    result = subprocess.run([require_pdfinfo(), str(path)], capture_output=True, text=True, timeout=60, check=True)
    return {key.strip(): value.strip() for key, _, value in
            (line.partition(":") for line in result.stdout.splitlines()) if value}


def pdftext(path: Path) -> str:
    """The PDF's text in reading layout, pages separated by form feeds."""
    if not Path(PDFTOTEXT).exists():
        _missing("pdftotext", PDFTOTEXT)
    return subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, timeout=60,
                          check=True).stdout
