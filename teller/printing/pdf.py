"""PDF groundwork for vouchers and reports (reportlab, Chinese text).

Chinese is set in reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1,
horizontal UCS-2 encoding). It is not embedded: every PDF viewer that handles
Chinese carries an Adobe-GB1 substitute (poppler uses ``poppler-data`` and the
system's CJK fonts), so a voucher stays a few kilobytes instead of carrying a
10 MB font, and the glyphs never go missing the way a subset TTF can when a
rare surname falls outside the subset.

    >>> pdf = Canvas()                                 # A5 landscape by default
    >>> pdf.text(20, 20, "中国农村商业银行")             # mm from the top-left corner
    >>> data = pdf.finish()
    >>> data[:5]
    b'%PDF-'

Coordinates are millimetres from the *top-left*, the way a voucher is drawn on
paper; :class:`Canvas` turns them into reportlab's bottom-left points.
"""
from __future__ import annotations

import io
from functools import lru_cache

from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as rl_canvas

CJK_FONT = "STSong-Light"
PAGE_A5_LANDSCAPE = landscape(A5)
PAGE_A4 = A4


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the CID font once per process and return its name."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def text_width(text: str, size: float) -> float:
    """Width in points of ``text`` set in the CJK font at ``size``."""
    return pdfmetrics.stringWidth(text, cjk_font(), size)


def clip(text: str, size: float, width_mm: float) -> str:
    """``text`` cut (with an ellipsis) so it fits ``width_mm`` — a long name never
    runs over the next box of a voucher."""
    limit = width_mm * mm
    if text_width(text, size) <= limit:
        return text
    while text and text_width(text + "…", size) > limit:
        text = text[:-1]
    return text + "…"


class Canvas:
    """A thin top-left, millimetre-based wrapper over a reportlab canvas that
    writes into memory; :meth:`finish` returns the PDF bytes."""

    def __init__(self, pagesize: tuple[float, float] = PAGE_A5_LANDSCAPE, *,
                 title: str = "", author: str = "") -> None:
        self._buf = io.BytesIO()
        self.width_mm = pagesize[0] / mm
        self.height_mm = pagesize[1] / mm
        self._c = rl_canvas.Canvas(self._buf, pagesize=pagesize, invariant=1)
        self._c.setTitle(title)
        self._c.setAuthor(author)
        self._c.setCreator("teller terminal")
        self.size = 10.0
        self._c.setFont(cjk_font(), self.size)

    def font(self, size: float) -> None:
        self.size = size
        self._c.setFont(cjk_font(), size)

    def _y(self, y_mm: float) -> float:
        return (self.height_mm - y_mm) * mm

    def text(self, x_mm: float, y_mm: float, text: str, *, align: str = "left",
             size: float | None = None) -> None:
        if size is not None and size != self.size:
            self.font(size)
        x, y = x_mm * mm, self._y(y_mm)
        if align == "right":
            self._c.drawRightString(x, y, text)
        elif align == "center":
            self._c.drawCentredString(x, y, text)
        else:
            self._c.drawString(x, y, text)

    def line(self, x1_mm: float, y1_mm: float, x2_mm: float, y2_mm: float,
             width: float = 0.6) -> None:
        self._c.setLineWidth(width)
        self._c.line(x1_mm * mm, self._y(y1_mm), x2_mm * mm, self._y(y2_mm))

    def rect(self, x_mm: float, y_mm: float, w_mm: float, h_mm: float,
             width: float = 0.8) -> None:
        self._c.setLineWidth(width)
        self._c.rect(x_mm * mm, self._y(y_mm + h_mm), w_mm * mm, h_mm * mm)

    def stamp(self, x_mm: float, y_mm: float, text: str) -> None:
        """A red framed mark (e.g. 已冲正, 脱机) the way a teller stamps paper."""
        self._c.saveState()
        self._c.setStrokeColorRGB(0.8, 0.1, 0.1)
        self._c.setFillColorRGB(0.8, 0.1, 0.1)
        self._c.setFont(cjk_font(), 14)
        w = text_width(text, 14) / mm + 6
        self._c.setLineWidth(1.2)
        self._c.rect(x_mm * mm, self._y(y_mm + 9), w * mm, 9 * mm)
        self._c.drawString((x_mm + 3) * mm, self._y(y_mm + 6.5), text)
        self._c.restoreState()

    def new_page(self) -> None:
        self._c.showPage()
        self._c.setFont(cjk_font(), self.size)

    def finish(self) -> bytes:
        self._c.showPage()
        self._c.save()
        return self._buf.getvalue()
