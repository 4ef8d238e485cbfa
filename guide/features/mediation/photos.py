"""The photos households attach to their requests, as staff see them: the stored file, or a small copy for lists.

The stored photo was redrawn by guide/core/uploads.py (JPEG or PNG, pixels only, 2000 px a side at most); a
thumbnail is drawn from it on each view (a few milliseconds: JPEG decodes already reduced) rather than stored.
"""

from __future__ import annotations

import io

THUMBNAIL_SIDE = 320  # pixels: sharp at 160 CSS px on a screen of density 2


def thumbnail(data: bytes, content_type: str, side: int = THUMBNAIL_SIDE) -> bytes:
    """The photo no larger than `side` pixels a side, in its own format."""
    from PIL import Image  # noqa: PLC0415 (lazy, as in core/uploads.py: only staff viewing a photo need Pillow)

    image = Image.open(io.BytesIO(data), formats=("JPEG", "PNG"))
    if image.format == "JPEG":
        image.draft("RGB" if image.mode == "RGB" else None, (side, side))
    image.thumbnail((side, side))
    out = io.BytesIO()
    if content_type == "image/png":
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()
