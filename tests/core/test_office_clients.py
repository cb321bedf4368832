"""The test helper that opens files with the real office clients (tests/office.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from tests import office


def test_libreoffice_reads_a_workbook_we_wrote(tmp_path):
    workbook = Workbook()
    workbook.active.title = "表"
    workbook.active.append(["日期", "数量"])
    workbook.active.append([dt.datetime(2026, 12, 12, 17, 0), 3])
    workbook.active["A2"].number_format = 'yyyy"年"m"月"d"日" hh:mm'
    source = tmp_path / "名册.xlsx"
    workbook.save(source)

    outdir = office.convert(source, office.CSV_AS_SHOWN, tmp_path)

    (csv_file,) = outdir.iterdir()
    assert csv_file.name == "名册-表.csv"  # one file per sheet
    # Text cells come quoted, numbers and dates bare and as shown: the date is a date cell to LibreOffice.
    assert csv_file.read_text("utf-8").splitlines() == ['"日期","数量"', "2026年12月12日 17:00,3"]


def test_a_missing_libreoffice_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setattr(office, "SOFFICE", str(tmp_path / "no-soffice"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="under CI"):
        office.require_soffice()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        office.require_soffice()
