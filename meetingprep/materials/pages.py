"""PDF pages as watermarked images: what a phone's browser can show, with the reader's name in the pixels.

Mobile browsers do not show a PDF inside a page, and a PDF handed over is a copy nobody can trace. So each
page is drawn to an image on the server (PDFium through pypdfium2), once per file content and kept under
``MATERIAL_PAGES_FOLDER`` (a cache: it can be deleted at any time), and every time a reader opens a page the
watermark — the reader's name, number and the time — is multiplied into the image (Pillow): black text stays
black, the white paper carries the mark, and a screenshot or a saved image names who took it.

PDFium is not thread-safe: every call into it holds one lock (a threaded server draws pages one at a time).
"""

from __future__ import annotations

import functools
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageChops, ImageDraw, ImageFont

from meetingprep.errors import ValidationFailed

#: Width in pixels a page is drawn at: sharp on a phone (390 CSS px × 3) and a desktop column alike.
PAGE_WIDTH = 1240
#: A page taller than this (a long scroll saved as PDF) is drawn narrower so the image stays bounded.
MAX_PAGE_HEIGHT = 4000
MAX_PAGES = 500
#: Fonts that draw Chinese, tried in order when MATERIAL_WATERMARK_FONT is not set (Debian's packages).
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
LATIN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#: The watermark's grey on white paper (0 black … 255 white): readable over text, never hiding it.
SHADE = 205

_pdfium_lock = threading.Lock()


@dataclass(frozen=True)
class Watermark:
    """What a page carries: ``text`` names the reader; ``latin`` says the same in characters any font draws
    (number, account, time), used when the server has no Chinese font."""

    text: str
    latin: str


def page_count(data: bytes) -> int:
    """The number of pages of an uploaded PDF; a file PDFium cannot open is refused in words."""
    import pypdfium2 as pdfium

    with _pdfium_lock:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise ValidationFailed("无法打开这个 PDF（文件可能已损坏或设置了打开密码），请另存为普通 PDF 后再上传。") \
                from error
        try:
            count = len(document)
        finally:
            document.close()
    if count < 1:
        raise ValidationFailed("这个 PDF 没有页面。")
    if count > MAX_PAGES:
        raise ValidationFailed(f"这个 PDF 有 {count} 页，超过了 {MAX_PAGES} 页的上限，请拆分后分别发布。")
    return count


def _cache_folder() -> Path:
    return Path(current_app.config["MATERIAL_PAGES_FOLDER"])


def _drawn_page(source: Path, sha256: str, number: int) -> Image.Image:
    """The page without watermark, drawn once per file content (the cache is keyed by the file's hash)."""
    target = _cache_folder() / sha256[:2] / sha256 / f"{number}.png"
    if not target.exists():
        import pypdfium2 as pdfium

        with _pdfium_lock:
            document = pdfium.PdfDocument(str(source))
            try:
                page = document[number - 1]
                width, height = page.get_size()
                scale = min(PAGE_WIDTH / max(width, 1), MAX_PAGE_HEIGHT / max(height, 1))
                image = page.render(scale=scale).to_pil().convert("RGB")
                page.close()
            finally:
                document.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        image.save(temporary, format="PNG")
        os.replace(temporary, target)
        return image
    with Image.open(target) as stored:
        return stored.convert("RGB")


@functools.lru_cache(maxsize=8)
def _font(path: str | None, size: int):
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size=size)


def _font_path() -> tuple[str | None, bool]:
    """(font file, draws Chinese): the configured font, else the first Chinese font installed, else a Latin one."""
    configured = current_app.config.get("MATERIAL_WATERMARK_FONT")
    if configured:
        return configured, True
    for candidate in CJK_FONTS:
        if Path(candidate).exists():
            return candidate, True
    return (LATIN_FONT if Path(LATIN_FONT).exists() else None), False


def stamp(image: Image.Image, mark: Watermark) -> Image.Image:
    """The watermark repeated across the page, diagonally, in staggered rows."""
    path, chinese = _font_path()
    size = max(16, image.width // 42)
    font = _font(path, size)
    text = mark.text if chinese else mark.latin
    left, top, right, bottom = font.getbbox(text)
    gap = size * 3
    tile = Image.new("L", (right - left + gap, bottom - top + gap), 255)
    ImageDraw.Draw(tile).text((gap // 2 - left, gap // 2 - top), text, font=font, fill=SHADE)
    tile = tile.rotate(28, expand=True, fillcolor=255)
    layer = Image.new("L", image.size, 255)
    for row, y in enumerate(range(-tile.height // 2, image.height, tile.height)):
        for x in range(-(row % 2) * tile.width // 2, image.width, tile.width):
            layer.paste(tile, (x, y))
    return ImageChops.multiply(image, Image.merge("RGB", (layer, layer, layer)))


def watermarked_page(source: Path, sha256: str, number: int, mark: Watermark) -> bytes:
    """One page as a JPEG with the reader's watermark in it."""
    image = stamp(_drawn_page(source, sha256, number), mark)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82, optimize=False)
    return buffer.getvalue()
