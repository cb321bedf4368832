"""PDF pages as images with the reader's watermark in the pixels."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image

from meetingprep.errors import ValidationFailed
from meetingprep.materials import pages
from tests.materials.conftest import pdf_bytes

MARK = pages.Watermark(text="张委员 0007 2027-01-05 09:30", latin="0007 r_member 2027-01-05 09:30")


def test_page_count_and_unreadable_files():
    assert pages.page_count(pdf_bytes(3)) == 3
    with pytest.raises(ValidationFailed, match="无法打开这个 PDF"):
        pages.page_count(b"%PDF-1.7\n garbage")


def test_the_watermark_darkens_the_paper_and_leaves_black_text_black(app):
    with app.test_request_context():
        page = Image.new("RGB", (620, 877), "white")
        page.paste((0, 0, 0), (100, 100, 300, 140))  # a "line of text"
        stamped = pages.stamp(page, MARK)
    grey = stamped.convert("L")
    low, high = grey.crop((0, 200, 620, 877)).getextrema()
    assert high == 255 and pages.SHADE - 5 <= low < 255  # marked, lightly
    assert grey.crop((100, 100, 300, 140)).getextrema() == (0, 0)  # text stays black under the mark


def test_pages_are_drawn_once_and_stamped_per_reader(app, tmp_path):
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf_bytes(2))
    with app.test_request_context():
        first = pages.watermarked_page(source, "ab" * 32, 2, MARK)
        cached = list(Path(current_app.config["MATERIAL_PAGES_FOLDER"]).rglob("*.png"))
        assert [p.name for p in cached] == ["2.png"]
        stamp_time = cached[0].stat().st_mtime_ns
        other = pages.watermarked_page(source, "ab" * 32, 2, pages.Watermark("李委员 0008 2027-01-05 09:31",
                                                                               "0008 weiyuan_b 2027-01-05 09:31"))
        assert cached[0].stat().st_mtime_ns == stamp_time  # drawn once, stamped for each reader
    assert first != other
    image = Image.open(io.BytesIO(first))
    assert image.format == "JPEG" and abs(image.width - pages.PAGE_WIDTH) <= 1
