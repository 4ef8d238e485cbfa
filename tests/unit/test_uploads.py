"""Photo cleaning: real JPEG/PNG only, metadata gone, upright, capped in size; everything else refused."""

from __future__ import annotations

import io
import struct
import threading
import zlib

import pytest
from PIL import Image, ImageCms, ImageFile, JpegImagePlugin, PngImagePlugin

from guide.core import uploads
from guide.core.uploads import MAX_SIDE, CleanPhoto, PhotoError, clean_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE, MODEL, DATETIME = 0x010F, 0x0110, 0x0132


def make_jpeg(width: int = 64, height: int = 32, orientation: int | None = None, gps: bool = True,
              comment: bytes | None = None, icc: bytes | None = None) -> bytes:
    """A JPEG as a phone writes it: maker, model, date, GPS position and an orientation tag."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 4, height))  # left quarter blue, to see rotations
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "Phone 12"
    exif[DATETIME] = "2025:03:14 10:00:00"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (50.0, 37.0, 48.0), 3: "E", 4: (3.0, 3.0, 36.0)}
    out = io.BytesIO()
    extra = {"comment": comment} if comment else {}
    if icc:
        extra["icc_profile"] = icc
    image.save(out, "JPEG", exif=exif, quality=95, **extra)
    return out.getvalue()


def make_png(width: int = 40, height: int = 30, mode: str = "RGB") -> bytes:
    image = Image.new(mode, (width, height), "green" if mode != "L" else 128)
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Mme Example, 12 rue des Tilleuls")
    info.add_itxt("Comment", "géolocalisé à Roubaix")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def reopen(photo: CleanPhoto) -> Image.Image:
    image = Image.open(io.BytesIO(photo.data))
    image.load()
    return image


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


# --- accepted, cleaned ------------------------------------------------------------------------------------


def test_jpeg_loses_exif_and_gps_and_is_re_encoded():
    original = make_jpeg(comment=b"taken at 12 rue des Tilleuls")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the fixture really has GPS

    photo = clean_photo(original)

    assert photo.content_type == "image/jpeg"
    assert photo.data != original
    assert photo.data.startswith(b"\xff\xd8\xff")
    image = reopen(photo)
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert "exif" not in image.info
    assert "comment" not in image.info
    for leak in (b"Exif", b"PhoneMaker", b"Phone 12", b"2025:03:14", b"rue des Tilleuls", b"http://ns.adobe.com"):
        assert leak not in photo.data
    assert (photo.width, photo.height) == image.size == (64, 32)


def test_png_loses_text_chunks_and_stays_png():
    original = make_png()
    assert Image.open(io.BytesIO(original)).info["Author"]

    photo = clean_photo(original)

    assert photo.content_type == "image/png"
    image = reopen(photo)
    assert image.format == "PNG"
    assert "Author" not in image.info and "Comment" not in image.info
    assert len(image.getexif()) == 0
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP"):
        assert chunk not in photo.data
    assert (photo.width, photo.height) == (40, 30)


def test_png_with_palette_and_transparency_keeps_its_transparency():
    image = Image.new("P", (10, 10), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    image.paste(1, (0, 0, 5, 10))
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)

    cleaned = reopen(clean_photo(out.getvalue()))

    assert cleaned.mode == "RGBA"
    assert cleaned.getpixel((9, 0))[3] == 0 and cleaned.getpixel((0, 0)) == (0, 255, 0, 255)


@pytest.mark.parametrize(
    ("orientation", "size"),
    [(1, (64, 32)), (3, (64, 32)), (6, (32, 64)), (8, (32, 64))],
)
def test_exif_orientation_is_applied_then_dropped(orientation, size):
    photo = clean_photo(make_jpeg(64, 32, orientation=orientation))

    image = reopen(photo)
    assert image.size == size == (photo.width, photo.height)
    assert ORIENTATION not in image.getexif()


def test_orientation_6_turns_the_picture_clockwise():
    # Stored landscape with the blue quarter on the left; orientation 6 means "rotate 90° clockwise to view",
    # so the blue band ends up at the top.
    image = reopen(clean_photo(make_jpeg(64, 32, orientation=6)))

    red, green, blue = image.getpixel((16, 2))
    assert blue > 150 and red < 100
    red, green, blue = image.getpixel((16, 60))
    assert red > 150 and blue < 100


def test_long_side_is_capped_and_ratio_kept():
    photo = clean_photo(make_jpeg(4000, 3000, gps=False))

    assert (photo.width, photo.height) == (MAX_SIDE, 1500)
    assert reopen(photo).size == (MAX_SIDE, 1500)


def test_capped_after_rotation_too():
    photo = clean_photo(make_jpeg(2400, 1200, orientation=6, gps=False))

    assert (photo.width, photo.height) == (1000, MAX_SIDE)


def test_icc_profile_is_not_carried_over():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = clean_photo(make_jpeg(icc=icc))

    assert "icc_profile" not in reopen(photo).info


def test_cmyk_jpeg_becomes_rgb():
    out = io.BytesIO()
    Image.new("CMYK", (20, 20), (0, 255, 255, 0)).save(out, "JPEG")

    image = reopen(clean_photo(out.getvalue()))

    assert image.mode == "RGB"


def test_polyglot_payload_after_the_image_is_not_carried_over():
    payload = b"<html><script>alert(document.cookie)</script></html>"
    original = make_jpeg(comment=payload) + payload  # in a comment segment and after the end marker

    photo = clean_photo(original)

    assert b"<script>" not in photo.data and b"alert" not in photo.data


# --- refused ----------------------------------------------------------------------------------------------


def refused(data: bytes, **limits: int) -> str:
    with pytest.raises(PhotoError) as caught:
        clean_photo(data, **limits)
    return caught.value.code


def test_text_file_named_jpg_is_not_an_image():
    assert refused(b"Bonjour, voici ma quittance de loyer.\n") == "not_an_image"


def test_empty_file_is_not_an_image():
    assert refused(b"") == "not_an_image"


def test_html_with_a_jpeg_extension_is_not_an_image():
    assert refused(b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>") == "not_an_image"


def test_html_behind_a_jpeg_signature_is_not_an_image():
    assert refused(b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>") == "not_an_image"


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "TIFF", "BMP"])
def test_other_picture_formats_are_refused(fmt):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, fmt)

    expected = "not_an_image" if fmt == "BMP" else "unsupported_type"
    assert refused(out.getvalue()) == expected


def test_heic_signature_is_an_unsupported_type():
    assert refused(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") == "unsupported_type"


@pytest.mark.parametrize("load_truncated", [False, True])
def test_truncated_jpeg_is_refused(monkeypatch, load_truncated):
    # WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES = True at import: the check must not depend on it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", load_truncated)
    data = make_jpeg(400, 300, gps=False)

    assert refused(data[: len(data) * 2 // 3]) == "not_an_image"


@pytest.mark.parametrize("load_truncated", [False, True])
def test_truncated_png_is_refused(monkeypatch, load_truncated):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", load_truncated)
    out = io.BytesIO()
    Image.effect_noise((300, 300), 60).convert("RGB").save(out, "PNG")
    data = out.getvalue()

    assert refused(data[: len(data) // 2]) == "not_an_image"


def test_png_with_a_broken_checksum_is_refused():
    data = bytearray(make_png())
    data[data.index(b"IDAT") + 6] ^= 0xFF  # one flipped bit of pixel data: the chunk's CRC no longer matches
    assert refused(bytes(data)) == "not_an_image"


def test_file_over_the_byte_limit_is_too_large():
    data = make_jpeg()

    assert refused(data, max_bytes=len(data) - 1) == "too_large"
    assert clean_photo(data, max_bytes=len(data)).width == 64


def test_default_byte_limit_is_five_mebibytes():
    assert refused(b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024)) == "too_large"


def test_image_over_the_pixel_limit_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_JPEG_PIXELS", 100 * 100 - 1)
    monkeypatch.setattr(uploads, "MAX_PNG_PIXELS", 100 * 100 - 1)
    assert refused(make_jpeg(100, 100)) == "too_many_pixels"
    assert refused(make_png(100, 100)) == "too_many_pixels"

    monkeypatch.setattr(uploads, "MAX_JPEG_PIXELS", 100 * 100)
    monkeypatch.setattr(uploads, "MAX_PNG_PIXELS", 100 * 100)
    assert clean_photo(make_jpeg(100, 100)).width == 100
    assert clean_photo(make_png(100, 100)).width == 100


def test_pixel_bomb_header_is_refused_before_decoding(monkeypatch):
    # A 57-byte PNG whose header claims 50000 x 50000 pixels (2.5 gigapixels, ~7.5 GB once decoded).
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0))
    bomb = b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", zlib.compress(b"")) + png_chunk(b"IEND", b"")

    assert refused(bomb) == "too_many_pixels"
    monkeypatch.setattr(uploads, "MAX_PNG_PIXELS", 10**12)
    monkeypatch.setattr(uploads, "MAX_PNG_PIXELS_PER_BYTE", 10**12)
    assert refused(bomb) == "too_many_pixels"  # Pillow's own bomb guard still holds


def test_moderate_bomb_under_pillows_guard_is_caught_by_ours():
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 8000, 8000, 8, 2, 0, 0, 0))
    bomb = b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", zlib.compress(b"")) + png_chunk(b"IEND", b"")

    assert refused(bomb) == "too_many_pixels"


# --- what cleaning may cost, decided on the header (bench/uploads.py measures it) ---------------------------


def verdict(data: bytes) -> str:
    try:
        clean_photo(data)
    except PhotoError as error:
        return error.code
    return "accepted"


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height and whose pixel data is empty: either refused on the header
    (too_many_pixels), or decoding is tried (and then refused or grey-filled, as ImageFile.LOAD_TRUNCATED_IMAGES,
    which WeasyPrint turns on, says)."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", zlib.compress(b"")) + png_chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int, progressive: bool = False) -> bytes:
    """A small JPEG whose frame header claims width x height: the header checks see the claimed size; past them,
    libjpeg decodes what is there and fills the rest with grey, so the photo is accepted."""
    data = bytearray(make_jpeg(16, 16, gps=False) if not progressive else _progressive_jpeg(16, 16))
    frame = data.index(b"\xff\xc2" if progressive else b"\xff\xc0")
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _progressive_jpeg(width: int = 64, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG", progressive=True)
    return out.getvalue()


def with_extra_scans(jpeg: bytes, count: int) -> bytes:
    """The progressive JPEG with its last scan repeated: a few bytes each, a whole pass over the picture each."""
    last = jpeg[jpeg.rindex(b"\xff\xda"):-2]
    return jpeg[:-2] + last * count + b"\xff\xd9"


@pytest.mark.parametrize(("width", "height", "refused_on_header"), [
    (4000, 4000, False),  # 16 MP: a 5K screenshot, an A4 page at 300 dpi: decoding is tried
    (4001, 4000, True),   # PNG decodes at full size: refused on the header
    (6300, 6300, True),   # the 40 MP PNG that took 4 s and 400 MB
])
def test_png_pixel_limit_fits_screenshots_and_scans(monkeypatch, width, height, refused_on_header):
    monkeypatch.setattr(uploads, "MAX_PNG_PIXELS_PER_BYTE", 10**9)  # these headers come without their pixels
    outcome = verdict(png_header_only(width, height))
    assert (outcome == "too_many_pixels") == refused_on_header, f"{width}×{height}: {outcome}"


@pytest.mark.parametrize(("width", "height", "expected"), [
    (8160, 6120, "accepted"),          # a 50 MP phone photo, decoded at 1/4
    (9248, 6936, "accepted"),          # 64 MP
    (12000, 9000, "too_many_pixels"),  # 108 MP (Pillow warns from 89 MP: a warning, then our refusal)
])
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_one_scan_jpeg_limit_fits_phone_photos(width, height, expected):
    assert verdict(jpeg_claiming(width, height)) == expected


@pytest.mark.parametrize(("width", "height", "expected"), [
    (4032, 3024, "accepted"),          # a 12 MP photo re-saved progressive
    (4000, 4000, "accepted"),
    (4001, 4000, "too_many_pixels"),   # every coefficient is held in memory while reading: 16 MP at most
    (8160, 6120, "too_many_pixels"),
])
def test_progressive_jpeg_has_a_lower_limit(width, height, expected):
    assert verdict(jpeg_claiming(width, height, progressive=True)) == expected


def test_flat_png_far_bigger_decoded_than_sent_is_refused():
    flat = io.BytesIO()
    Image.new("RGB", (2100, 2100), "white").save(flat, "PNG")  # 4.4 MP in ~13 KB: 340 pixels a byte
    detailed = Image.new("RGB", (2100, 2100), "white")
    detailed.paste(Image.effect_noise((2100, 20), 60).convert("RGB"), (0, 0))  # ~110 KB: 40 pixels a byte
    out = io.BytesIO()
    detailed.save(out, "PNG")
    small_flat = io.BytesIO()
    Image.new("RGB", (1000, 1000), "white").save(small_flat, "PNG")  # cheap to decode whatever its ratio

    assert refused(flat.getvalue()) == "too_many_pixels"
    assert clean_photo(out.getvalue()).width == MAX_SIDE
    assert clean_photo(small_flat.getvalue()).width == 1000


def test_jpeg_with_too_many_scans_is_refused_on_its_header():
    normal = _progressive_jpeg()
    assert uploads._jpeg_scans(normal, 100) == 10  # libjpeg's progressive script

    assert clean_photo(with_extra_scans(normal, uploads.MAX_JPEG_SCANS - 10)).width == 64
    assert refused(with_extra_scans(normal, uploads.MAX_JPEG_SCANS - 9)) == "too_many_pixels"


def test_scan_count_ignores_bytes_inside_segments_and_after_the_picture():
    scan_marker_lookalikes = b"\xff\xda" * 100
    photo = make_jpeg(comment=scan_marker_lookalikes) + scan_marker_lookalikes  # a comment, a phone's trailer

    assert uploads._jpeg_scans(photo, 100) == 1
    assert clean_photo(photo).width == 64


def test_big_jpeg_is_decoded_already_reduced(monkeypatch):
    decoded = []
    load = JpegImagePlugin.JpegImageFile.load

    def spy(self):  # type: ignore[no-untyped-def]
        decoded.append(self.size)
        return load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    photo = clean_photo(make_jpeg(4000, 3000, gps=False))

    assert (photo.width, photo.height) == (MAX_SIDE, 1500)
    assert decoded and max(decoded) == (2000, 1500), f"decoded at {decoded}, not at half size"


# --- one photo at a time per process ------------------------------------------------------------------------


def test_a_photo_waits_its_turn_then_is_cleaned():
    turns = uploads._Turns(at_once=1, waiting=1, patience=30)
    first_inside, let_first_go = threading.Event(), threading.Event()
    second_done = []

    def first() -> None:
        with turns.turn():
            first_inside.set()
            let_first_go.wait(30)

    def second() -> None:
        with turns.turn():
            second_done.append(True)

    holder = threading.Thread(target=first)
    holder.start()
    assert first_inside.wait(30)
    waiter = threading.Thread(target=second)
    waiter.start()
    let_first_go.set()
    holder.join(30)
    waiter.join(30)

    assert second_done == [True], "the waiting photo got its turn once the first one was done"


def test_a_photo_that_finds_the_queue_full_is_told_to_come_back(monkeypatch):
    turns = uploads._Turns(at_once=1, waiting=0, patience=30)
    monkeypatch.setattr(uploads, "turns", turns)
    with turns.turn():  # another photo is being cleaned in this process
        assert refused(make_jpeg()) == "busy"
    assert clean_photo(make_jpeg()).width == 64, "once it is done, photos are cleaned again"


def test_a_photo_that_waits_too_long_is_told_to_come_back():
    turns = uploads._Turns(at_once=1, waiting=1, patience=0.05)
    with turns.turn(), pytest.raises(PhotoError) as caught, turns.turn():
        pass
    assert caught.value.code == "busy"


def test_photo_error_carries_its_code():
    error = PhotoError("too_large")

    assert error.code == "too_large" and str(error) == "too_large"
    assert isinstance(error, ValueError)
