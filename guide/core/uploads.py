"""Photos attached to written requests: only real JPEG or PNG, redrawn from their pixels so no metadata survives.

A household photographs a damaged flat with a phone; the photo carries the phone's GPS position, model and
time in its EXIF. `clean_photo` checks the bytes themselves (never the file name or the declared type),
refuses oversized files and decompression bombs, turns the picture upright, shrinks it and writes a fresh
file holding pixels only.

What cleaning may cost is decided on the header, before a single pixel is decoded (limits below, measured with
bench/uploads.py), and each process cleans one photo at a time: a burst of uploads waits its turn, or is asked to
come back in a minute, instead of filling a worker's memory and every one of its threads.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from flask_babel import gettext as _

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported on the first photo, not with this module (as WeasyPrint in core/pdf.py): every process imports
# this module through the request forms, few ever clean a photo. tests/app/test_startup_cost.py checks it.

MAX_SIDE = 2000
JPEG_QUALITY = 85
MAX_BYTES = 5 * 1024 * 1024

# A JPEG sent in one scan (what phone cameras write) is decoded already reduced to about MAX_SIDE (the DCT scaling
# of libjpeg, up to 1/8): a 50 MP photo then costs ~0.15 s and ~15 MB. 64 MP phones write 9248×6936.
MAX_JPEG_PIXELS = 65_000_000
# A progressive JPEG (or one in several scans) keeps every coefficient of the whole picture in memory while it is
# read, whatever the reduction: 2 bytes per pixel and colour, 96 MB at 16 MP. A 12 MP photo re-saved fits.
MAX_MULTISCAN_JPEG_PIXELS = 16_000_000
# Each scan is one more pass over the whole picture, for a few bytes of file: a 75 KB JPEG of 4032×3024 with 210
# scans took 3 s. Encoders write 10 or so (libjpeg's progressive script: 10 for colour).
MAX_JPEG_SCANS = 32
# A PNG is always decoded at full size (4 bytes a pixel: 64 MB at 16 MP): a 5K screenshot, an A4 page scanned at
# 300 dpi fit. A big PNG with more pixels than 250 per byte of file is a flat picture made to cost (the 154 KB
# PNG of 6300×6300); a real screenshot or scan has 5 to 60, a blank page scanned about 200.
MAX_PNG_PIXELS = 16_000_000
MAX_PNG_PIXELS_PER_BYTE = 250
# Photos cleaned at once in one process (each can take 100 MB for a moment), and photos allowed to wait for
# their turn; any more is asked to come back. gunicorn.conf.py gives each worker more threads than both together,
# so other pages always find a free thread.
PHOTOS_AT_ONCE = 1
PHOTOS_WAITING = 2
WAIT_SECONDS = 10.0

PhotoErrorCode = Literal["too_large", "not_an_image", "unsupported_type", "too_many_pixels", "busy"]

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
# Decoding failures Pillow reports for broken or hostile files.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError)


class PhotoError(ValueError):
    """A refused photo; `code` is one of PhotoErrorCode, for the form to show the right message."""

    def __init__(self, code: PhotoErrorCode) -> None:
        super().__init__(code)
        self.code: PhotoErrorCode = code


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: Literal["image/jpeg", "image/png"]
    width: int
    height: int


class _StrictStream(io.BytesIO):
    """Bytes that refuse to run out once armed.

    Pillow pads a truncated image with grey when `ImageFile.LOAD_TRUNCATED_IMAGES` is on, and WeasyPrint turns
    that global on when it is imported: this stream makes truncation an error whatever the global says.
    """

    armed = False

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if self.armed and size != 0 and not chunk:
            raise OSError("image file is truncated")
        return chunk


def _other_image_type(data: bytes) -> bool:
    """True for the other picture formats a phone may send (GIF, WebP, TIFF, HEIC/AVIF), told by their magic."""
    return (
        data[:6] in (b"GIF87a", b"GIF89a")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        or data[:4] in (b"II*\x00", b"MM\x00*")
        or (data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS)
    )


def _open(data: bytes) -> tuple[Image.Image, _StrictStream]:
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 (lazy: see above)

    stream = _StrictStream(data)
    try:
        image = Image.open(stream, formats=("JPEG", "PNG"))
    except Image.DecompressionBombError as error:
        raise PhotoError("too_many_pixels") from error
    except (UnidentifiedImageError, *_DECODE_ERRORS) as error:
        raise PhotoError("not_an_image") from error
    return image, stream


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Pixels converted to sRGB when the photo names another colour space (iPhones shoot in Display P3)."""
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    from PIL import ImageCms  # noqa: PLC0415 (lazy: see above)

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
    except (ImageCms.PyCMSError, *_DECODE_ERRORS):
        return image  # a broken profile is no reason to refuse the photo
    return converted if converted is not None else image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


# A marker that ends a JPEG segment's entropy-coded data: 0xFF then neither a stuffed 0x00, a restart marker
# (0xD0-0xD7) nor another 0xFF (fill byte).
_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_EOI, _SOS, _TEM = 0xD9, 0xDA, 0x01


def _jpeg_scans(data: bytes, limit: int) -> int:
    """How many scans (SOS segments) the first picture of a JPEG holds, counting no further than limit + 1.

    Walks the segments by their lengths, so bytes inside EXIF (its thumbnail) or after the end of the picture
    (an MPO's other pictures, a phone's motion clip) are never taken for scans. A broken file stops the count
    early; decoding refuses it later.
    """
    scans, pos = 0, 2  # after SOI
    while scans <= limit:
        found = _MARKER.search(data, pos)
        if found is None:
            break
        kind, pos = data[found.start() + 1], found.end()
        if kind == _EOI:
            break
        if kind == _TEM:
            continue
        if kind == _SOS:
            scans += 1
        pos += int.from_bytes(data[pos:pos + 2], "big")
    return scans


def _too_costly(image: Image.Image, data: bytes) -> bool:
    """True when decoding this picture would cost more than a photo is worth; read from the header only."""
    pixels = image.width * image.height
    if image.format == "PNG":
        return pixels > MAX_PNG_PIXELS or (pixels > MAX_SIDE * MAX_SIDE
                                           and pixels > MAX_PNG_PIXELS_PER_BYTE * len(data))
    scans = _jpeg_scans(data, MAX_JPEG_SCANS)
    if scans > MAX_JPEG_SCANS:
        return True
    multiscan = scans > 1 or bool(image.info.get("progressive"))
    return pixels > (MAX_MULTISCAN_JPEG_PIXELS if multiscan else MAX_JPEG_PIXELS)


class _Turns:
    """At most `at_once` photos cleaned at a time in this process, `waiting` more waiting up to `patience` seconds
    for their turn; past that, PhotoError("busy"). Per process: gunicorn forks its workers after importing."""

    def __init__(self, at_once: int, waiting: int, patience: float) -> None:
        self._cleaning = threading.BoundedSemaphore(at_once)
        self._present = threading.BoundedSemaphore(at_once + waiting)
        self.patience = patience

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        if not self._present.acquire(blocking=False):
            raise PhotoError("busy")
        try:
            if not self._cleaning.acquire(timeout=self.patience):
                raise PhotoError("busy")
            try:
                yield
            finally:
                self._cleaning.release()
        finally:
            self._present.release()


turns = _Turns(PHOTOS_AT_ONCE, PHOTOS_WAITING, WAIT_SECONDS)


def _reduced_target(width: int, height: int) -> tuple[int, int]:
    """The size the picture is shrunk to (long side MAX_SIDE), rounded down: JPEG decoding may stop just above."""
    longest = max(width, height, MAX_SIDE)
    return max(1, width * MAX_SIDE // longest), max(1, height * MAX_SIDE // longest)


def clean_photo(data: bytes, max_bytes: int = MAX_BYTES) -> CleanPhoto:
    """A metadata-free, upright JPEG or PNG no larger than 2000 px a side, or PhotoError saying why not
    (code "busy": too many photos at once in this process, try again in a minute)."""
    if len(data) > max_bytes:
        raise PhotoError("too_large")
    if not (data.startswith(_JPEG_MAGIC) or data.startswith(_PNG_MAGIC)):
        raise PhotoError("unsupported_type" if _other_image_type(data) else "not_an_image")

    image, stream = _open(data)
    if image.format not in ("JPEG", "MPO", "PNG"):
        raise PhotoError("unsupported_type")
    if image.width < 1 or image.height < 1:
        raise PhotoError("not_an_image")
    if _too_costly(image, data):  # on the header, before a single pixel is decoded
        raise PhotoError("too_many_pixels")
    with turns.turn():
        return _redraw(image, stream, data)


def _redraw(image: Image.Image, stream: _StrictStream, data: bytes) -> CleanPhoto:
    """Check the file's structure, decode it (reduced when the format allows), turn it upright, write it anew."""
    is_png = image.format == "PNG"
    stream.armed = True
    try:
        image.verify()  # structure and checksums; the image cannot be used after this
    except _DECODE_ERRORS as error:
        raise PhotoError("not_an_image") from error

    image, stream = _open(data)
    stream.armed = True
    try:
        if not is_png:
            image.draft(None, _reduced_target(*image.size))  # JPEG decodes at 1/2, 1/4 or 1/8 of its size
        image.thumbnail((MAX_SIDE, MAX_SIDE))  # bicubic
        image.load()
    except _DECODE_ERRORS as error:
        raise PhotoError("not_an_image") from error

    icc = image.info.get("icc_profile")
    from PIL import ImageOps  # noqa: PLC0415 (lazy: see above)

    try:
        upright = ImageOps.exif_transpose(image)
    except _DECODE_ERRORS:
        upright = image  # unreadable EXIF: keep the picture as stored rather than refuse it
    upright = _to_srgb(upright, icc)

    if is_png:
        if _has_alpha(upright):
            upright = upright if upright.mode == "RGBA" else upright.convert("RGBA")  # keeps tRNS transparency
        elif upright.mode not in ("1", "L", "RGB"):
            upright = upright.convert("RGB")
    elif upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")

    upright.info = {}  # Pillow copies comments, ICC and dpi from info when saving: start from nothing
    out = io.BytesIO()
    if is_png:
        upright.save(out, format="PNG")
        content_type: Literal["image/jpeg", "image/png"] = "image/png"
    else:
        upright.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return CleanPhoto(data=out.getvalue(), content_type=content_type, width=upright.width, height=upright.height)


BUSY_HEADERS = {"Retry-After": "60"}  # a burst of photos: the form comes back with its text, to send again later


def photo_message(code: str, filename: str) -> str:
    """What to tell the person about a refused photo (PhotoError.code); the same words on every form."""
    if code == "busy":
        return str(_("Beaucoup de photos arrivent en ce moment. Attendez une minute. "
                     "Puis choisissez la photo une nouvelle fois et envoyez."))
    messages: dict[str, str] = {
        "too_large": _("La photo %(name)s est trop lourde : 5 Mo au plus.", name=filename),
        "not_an_image": _("Le fichier %(name)s n'est pas une photo.", name=filename),
        "unsupported_type": _("La photo %(name)s doit être en JPEG ou en PNG.", name=filename),
        "too_many_pixels": _("La photo %(name)s est trop grande.", name=filename),
    }
    return messages.get(code, messages["not_an_image"])
