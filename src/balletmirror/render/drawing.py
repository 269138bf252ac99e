"""What the annotated video and the ghost video draw with: the font (with the accents of
ballet words), its fallback, and a panel of text on a darkened box (Pillow).
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

#: The background a Motion without its video (motion capture, bare keypoints) is
#: drawn on.
MOCAP_BACKGROUND = (28, 30, 38)


@functools.lru_cache(maxsize=8)
def font(size: int):
    """DejaVu Sans at ``size`` px (matplotlib's copy, else the system's), else Pillow's
    own font (whose Latin lacks accents: :func:`drawable` folds them)."""
    from PIL import ImageFont

    candidates = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
    try:
        import matplotlib

        candidates.insert(0, Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf")
    except ImportError:
        pass
    for path in candidates:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def drawable(text: str, face) -> str:
    """``text`` as ``face`` can draw it: accents folded (plié -> plie) for a font
    without them."""
    if "DejaVu" in str(getattr(face, "path", "")):
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def panel(img, draw, xy: tuple[int, int], lines: list[str], face, *, fill,
           opacity: float) -> None:
    """Lines of white text on a darkened box (``fill`` at ``opacity``) whose top-left
    corner is ``xy``; only the box's pixels are blended."""
    from PIL import Image

    if not lines:
        return
    size = face.size
    x, y = xy
    w = int(max(draw.textlength(line, font=face) for line in lines) + size)
    h = int(len(lines) * size * 1.25 + size * 0.5)
    box = (x, y, min(img.size[0], x + w), min(img.size[1], y + h))
    region = img.crop(box)
    img.paste(Image.blend(region, Image.new("RGB", region.size, fill), opacity), box)
    for k, line in enumerate(lines):
        draw.text((x + size // 2, y + size * 0.25 + k * size * 1.25), line, font=face,
                  fill=(255, 255, 255))
