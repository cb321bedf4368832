"""meetingprep.spreadsheets: the one writer of every .xlsx and CSV export."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from meetingprep import spreadsheets
from meetingprep.spreadsheets import Column, Table


def test_texts_that_would_run_as_formulas_stay_texts_in_xlsx_and_csv(app):
    risky = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
    columns = [Column(f"c{i}") for i in range(len(risky))]
    sheet = load_workbook(io.BytesIO(spreadsheets.workbook_bytes([Table("t", columns, [risky])]))).active
    for cell, text in zip(sheet[2], risky, strict=True):
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix
    lines = spreadsheets.csv_bytes(columns, [risky, ["安全", 1, 2.5, -3, None, "a=b"]]).decode("utf-8-sig")
    assert lines.split("\r\n")[1] == "'=1+1,'+1,'-1,'@SUM(A1),'\tx,\"'\rx\""
    assert lines.split("\r\n")[2] == "安全,1,2.5,-3,,a=b"  # numbers stay numbers, a = inside is harmless


def test_cells_are_typed_in_the_display_zone(app):
    columns = [Column("编号", "id"), Column("时间", "datetime"), Column("日期", "date"), Column("率", "percent"),
               Column("数", "number")]
    due = dt.datetime(2026, 12, 12, 9, 0, tzinfo=dt.UTC)
    data = spreadsheets.workbook_bytes([Table("t", columns, [[5, due, dt.date(2026, 12, 13), 37.5, 3]])])
    sheet = load_workbook(io.BytesIO(data)).active
    number, moment, day, rate, count = sheet[2]
    assert number.value == "5" and number.number_format == "@"
    assert moment.value == dt.datetime(2026, 12, 12, 17, 0) and moment.number_format == 'yyyy"年"m"月"d"日" hh:mm'
    assert day.value.date() == dt.date(2026, 12, 13) and day.number_format == 'yyyy"年"m"月"d"日"'
    assert rate.value == 0.375 and rate.number_format == "0.0%"
    assert count.value == 3 and count.data_type == "n"


def test_widths_fit_chinese_text_and_print_setup(app):
    columns = [Column("任务"), Column("数", "number")]
    data = spreadsheets.workbook_bytes([Table("t", columns, [["落实会场座次", 1], ["x" * 200, 2]], title="台账")])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.column_dimensions["A"].width == spreadsheets.MAX_WIDTH  # 200 characters wrap
    assert sheet["A3"].alignment.wrap_text
    assert sheet.print_title_rows == "$1:$1" and sheet.freeze_panes == "A2"
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.fitToWidth == 1
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页" and sheet.oddHeader.center.text == "台账"
    short = load_workbook(io.BytesIO(spreadsheets.workbook_bytes([Table("t", columns, [["落实会场座次", 1]])]))).active
    assert short.column_dimensions["A"].width == 14  # six CJK characters are twelve wide, plus margin


def test_file_names_are_chinese_with_an_ascii_fallback():
    value = spreadsheets.content_disposition("大会筹备日报-20261207.xlsx", "daily-report")
    assert value == ("attachment; filename=\"daily-report-20261207.xlsx\"; "
                     "filename*=UTF-8''%E5%A4%A7%E4%BC%9A%E7%AD%B9%E5%A4%87%E6%97%A5%E6%8A%A5-20261207.xlsx")
    assert 'filename="roster-template.xlsx"' in spreadsheets.content_disposition("委员名册模板.xlsx", "roster-template")
