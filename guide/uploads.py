"""Photos attached to written requests: only real JPEG or PNG, redrawn from their pixels so no metadata survives.

A household photographs a damaged flat with a phone; the photo carries the phone's GPS position, model and
time in its EXIF. `clean_photo` checks the bytes themselves (never the file name or the declared type),
refuses oversized files and decompression bombs, turns the picture upright, shrinks it and writes a fresh
file holding pixels only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_SIDE = 2000
JPEG_QUALITY = 85

PhotoErrorCode = Literal["too_large", "not_an_image", "unsupported_type", "too_many_pixels"]

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
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
    except (ImageCms.PyCMSError, *_DECODE_ERRORS):
        return image  # a broken profile is no reason to refuse the photo
    return converted if converted is not None else image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def clean_photo(data: bytes, max_bytes: int = 5 * 1024 * 1024, max_pixels: int = 40_000_000) -> CleanPhoto:
    """A metadata-free, upright JPEG or PNG no larger than 2000 px a side, or PhotoError saying why not."""
    if len(data) > max_bytes:
        raise PhotoError("too_large")
    if not (data.startswith(_JPEG_MAGIC) or data.startswith(_PNG_MAGIC)):
        raise PhotoError("unsupported_type" if _other_image_type(data) else "not_an_image")

    image, stream = _open(data)
    if image.format not in ("JPEG", "MPO", "PNG"):
        raise PhotoError("unsupported_type")
    width, height = image.size
    if width < 1 or height < 1:
        raise PhotoError("not_an_image")
    if width * height > max_pixels:  # checked on the header, before a single pixel is decoded
        raise PhotoError("too_many_pixels")
    is_png = image.format == "PNG"

    stream.armed = True
    try:
        image.verify()  # structure and checksums; the image cannot be used after this
    except _DECODE_ERRORS as error:
        raise PhotoError("not_an_image") from error

    image, stream = _open(data)
    stream.armed = True
    try:
        image.thumbnail((MAX_SIDE, MAX_SIDE))  # bicubic; decodes big JPEGs at a reduced scale
        image.load()
    except _DECODE_ERRORS as error:
        raise PhotoError("not_an_image") from error

    icc = image.info.get("icc_profile")
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
