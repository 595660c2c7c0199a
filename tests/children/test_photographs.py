"""A child's photograph: JPEG or PNG only, decided by the file's content; at most so many bytes
and pixels (a decompression bomb is refused from its header, at once); kept without metadata
(no GPS position), turned upright; and a file stored before these rules is never shown as it is.
Every file is made in the test."""

from __future__ import annotations

import base64
import io
import struct
import time
import tracemalloc
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

from tests.factories import PASSWORD, as_viewer
from visible.children import actions
from visible.children.models import Child
from visible.children.photographs import NOT_JPEG_OR_PNG
from visible.missing import grabpack

pytestmark = pytest.mark.django_db

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (51.0, 22.0, 30.0),
    ExifTags.GPS.GPSLongitudeRef: "W",
    ExifTags.GPS.GPSLongitude: (0.0, 5.0, 10.0),
}


def picture(size=(40, 30)) -> Image.Image:
    image = Image.new("RGB", size, (30, 100, 180))
    image.paste((255, 0, 0), (0, 0, 10, 10))  # a red top-left corner, to see which way up it is
    return image


def jpeg_with_gps_position() -> bytes:
    """A phone's photograph: GPS position, camera, a comment, and held on its side (EXIF
    orientation 6: turn 90 degrees clockwise to show it)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Synthetic phone"
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    picture().save(out, format="JPEG", exif=exif.tobytes(), comment=b"Taken at 1 Synthetic Street")
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Location", "1 Synthetic Street")
    out = io.BytesIO()
    picture().save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def saved_as(fmt: str) -> bytes:
    out = io.BytesIO()
    picture().save(out, format=fmt)
    return out.getvalue()


def psd_header() -> bytes:
    """A Photoshop file as Pillow would read it: header, empty sections, raw 8-bit RGB."""
    width, height = 4, 3
    return (
        b"8BPS"
        + struct.pack(">H6xHIIHH", 1, 3, height, width, 8, 3)
        + struct.pack(">III", 0, 0, 0)
        + struct.pack(">H", 0)
        + bytes(width * height * 3)
    )


POSTSCRIPT = b"%!PS-Adobe-3.0\n%%BoundingBox: 0 0 40 30\n%%EndComments\nnewpath 0 0 moveto 40 30 lineto stroke\nshowpage\n"


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG declaring width x height pixels (40 GB decoded for the default) in a few hundred
    bytes: one row of zeros compressed, which is all a decoder would see before running out."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


def upload(
    data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored(child: Child) -> Image.Image:
    child.refresh_from_db()
    with child.photo.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


@pytest.mark.parametrize(
    "kind, data",
    [
        ("EPS", lambda: saved_as("EPS")),
        ("PostScript", lambda: POSTSCRIPT),
        ("PDF", lambda: saved_as("PDF")),
        ("PSD", psd_header),
        ("GIF", lambda: saved_as("GIF")),
        ("text", lambda: b"this is not an image"),
    ],
)
def test_only_a_jpeg_or_png_by_content_is_accepted_whatever_the_name(sw_a, make_child, kind, data):
    child = make_child(sw_a)
    with pytest.raises(ValidationError) as excinfo:
        actions.set_photo(as_viewer(sw_a), child, upload(data(), "photo.jpg", "image/jpeg"), None)
    assert excinfo.value.message_dict == {"photo": [NOT_JPEG_OR_PNG]}
    assert NOT_JPEG_OR_PNG.startswith("The photograph must be a JPEG or PNG image")
    child.refresh_from_db()
    assert not child.photo


def test_a_jpeg_is_kept_upright_without_its_gps_position_or_any_metadata(sw_a, make_child):
    child = make_child(sw_a)
    actions.set_photo(
        as_viewer(sw_a), child, upload(jpeg_with_gps_position(), "dawit-at-home.jpg"), None
    )
    image = stored(child)
    assert image.format == "JPEG"
    assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "comment" not in image.info and "exif" not in image.info
    assert image.size == (30, 40)  # turned as the camera said, then no orientation left to apply
    red, blue = image.getpixel((25, 4)), image.getpixel((4, 25))
    assert red[0] > 200 and blue[2] > 150  # the red corner is now top right
    assert child.photo.name.startswith("children/photos/child-") and "dawit" not in child.photo.name


def test_a_png_is_saved_again_without_its_text(sw_a, make_child):
    child = make_child(sw_a)
    actions.set_photo(
        as_viewer(sw_a), child, upload(png_with_text(), "photo.png", "image/png"), None
    )
    image = stored(child)
    assert image.format == "PNG" and image.size == (40, 30)
    assert "Location" not in image.info and not image.text
    assert child.photo.name.endswith(".png")


def test_a_png_decompression_bomb_is_refused_from_its_header_at_once(sw_a, make_child):
    child = make_child(sw_a)
    bomb = png_bomb()
    assert len(bomb) < 1024
    tracemalloc.start()
    began = time.process_time()
    try:
        with pytest.raises(ValidationError) as excinfo:
            actions.set_photo(as_viewer(sw_a), child, upload(bomb, "photo.png", "image/png"), None)
        seconds, peak = time.process_time() - began, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert excinfo.value.message_dict["photo"] == [
        "The photograph has more than 40 megapixels, the most there can be: make it smaller (a phone's photograph of "
        "4,000 by 3,000 pixels is 12 megapixels) and upload it again"
    ]
    assert seconds < 1 and peak < 10 * 1024 * 1024


def test_the_pixel_and_byte_limits_are_settings_named_in_the_message(sw_a, make_child, settings):
    child = make_child(sw_a)
    settings.VISIBLE_PHOTO_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as excinfo:
        actions.set_photo(as_viewer(sw_a), child, upload(saved_as("PNG"), "photo.png"), None)
    assert excinfo.value.message_dict["photo"][0].startswith(
        "The photograph is 40 by 30 pixels (1,200 pixels); the most is 1,000 pixels: make it smaller"
    )
    settings.VISIBLE_PHOTO_MAX_PIXELS = 40_000_000
    settings.VISIBLE_PHOTO_MAX_BYTES = 100
    with pytest.raises(ValidationError) as excinfo:
        actions.set_photo(as_viewer(sw_a), child, upload(saved_as("PNG"), "photo.png"), None)
    assert excinfo.value.message_dict["photo"][0].startswith("The photograph is ")
    assert "; the most is 100 bytes: make it smaller" in excinfo.value.message_dict["photo"][0]


def test_the_upload_page_refuses_an_eps_and_keeps_a_jpeg_without_its_gps_position(
    client, sw_a, make_child
):
    child = make_child(sw_a)
    client.login(username=sw_a.username, password=PASSWORD)
    url = reverse("web:photo-change", args=[child.pk])
    response = client.post(url, {"photo": upload(saved_as("EPS"), "photo.jpg")})
    assert response.status_code == 200
    assert "The photograph must be a JPEG or PNG image" in response.content.decode()
    child.refresh_from_db()
    assert not child.photo
    assert client.post(url, {"photo": upload(jpeg_with_gps_position())}).status_code == 302
    shown = client.get(reverse("web:child-photo", args=[child.pk]))
    assert shown["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(shown.streaming_content)))
    assert not image.getexif() and image.size == (30, 40)


def test_a_photograph_stored_before_these_rules_is_never_shown_as_it_is(client, sw_a, make_child):
    # Stored straight into the record, as uploads were before: an EPS is not shown at all
    # (page, grab pack), and a JPEG is shown without its GPS position.
    eps, jpeg = make_child(sw_a), make_child(sw_a)
    for child, data, name in (
        (eps, saved_as("EPS"), "old.eps"),
        (jpeg, jpeg_with_gps_position(), "old.jpg"),
    ):
        child.photo.save(name, ContentFile(data))
    client.login(username=sw_a.username, password=PASSWORD)
    assert client.get(reverse("web:child-photo", args=[eps.pk])).status_code == 404
    assert grabpack.photo_data_uri(eps.photo.name) == ""
    shown = client.get(reverse("web:child-photo", args=[jpeg.pk]))
    image = Image.open(io.BytesIO(b"".join(shown.streaming_content)))
    assert (
        shown["Content-Type"] == "image/jpeg"
        and not image.getexif()
        and "comment" not in image.info
    )
    in_the_pack = base64.b64decode(grabpack.photo_data_uri(jpeg.photo.name).split("base64,", 1)[1])
    assert b"Synthetic phone" not in in_the_pack and b"Synthetic Street" not in in_the_pack
    assert not Image.open(io.BytesIO(in_the_pack)).getexif()
