"""Draw a printed passbook page to PNG with PIL (installed with reportlab)."""
from __future__ import annotations

from pathlib import Path

from teller.devices.passbook.profile import PassbookProfile
from teller.devices.passbook.protocol import cell_width

# A CJK font makes the Chinese legible; without one PIL's default font draws boxes.
_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)

CELL_W, LINE_H, MARGIN = 9, 22, 20


def _font(size: int):
    from PIL import ImageFont
    for p in _CJK_FONTS:
        if Path(p).exists():
            try:
                return ImageFont.truetype(p, size)
            except OSError:
                continue
    return ImageFont.load_default()


def render_page(path: Path, profile: PassbookProfile, lines: dict[int, str], page: int) -> Path:
    from PIL import Image, ImageDraw
    total = profile.absolute_line(profile.lines_per_page) + 2
    w = MARGIN * 2 + CELL_W * profile.line_width
    h = MARGIN * 2 + LINE_H * total
    img = Image.new("RGB", (w, h), (250, 247, 235))
    d = ImageDraw.Draw(img)
    font = _font(16)
    fold_top = MARGIN + LINE_H * (profile.absolute_line(profile.upper_half_lines))
    d.rectangle([0, fold_top, w, fold_top + LINE_H * profile.fold_gap - 1], fill=(225, 220, 205))
    d.text((MARGIN, MARGIN), f"第{page}页", fill=(120, 120, 120), font=font)
    for n in range(1, profile.lines_per_page + 1):
        y = MARGIN + LINE_H * (profile.absolute_line(n) - 1)
        d.line([MARGIN, y + LINE_H - 2, w - MARGIN, y + LINE_H - 2], fill=(215, 210, 195))
        if n in lines:
            x = MARGIN
            for ch in lines[n]:  # place by printer cells, so columns line up as printed
                d.text((x, y + 2), ch, fill=(20, 20, 90), font=font)
                x += CELL_W * cell_width(ch)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "PNG")
    return path
