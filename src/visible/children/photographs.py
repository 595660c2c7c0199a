"""A child's photograph: what Visible accepts, and what it keeps and shows.

Accepted: a JPEG or PNG image, decided by what the file holds, never by its name or the type the
browser gave. Pillow reads the file with only its JPEG and PNG readers, so a PostScript, EPS, PDF
or Photoshop (PSD) file is never handed to another decoder (EPS and PDF would go to Ghostscript).
At most VISIBLE_PHOTO_MAX_BYTES, and VISIBLE_PHOTO_MAX_PIXELS counted from the image's header
before a pixel is decoded (a 100 KB PNG can declare 100,000 x 100,000 pixels: 40 GB decoded).

Kept: the picture decoded and encoded again, turned the way the camera said it was held (EXIF
orientation), with none of the file's metadata: no EXIF (the GPS position where it was taken, the
camera, the time), XMP, comments or text chunks. JPEG at quality 90; PNG saved again as PNG. Only
the colour profile is carried over, so the colours look the same. The stored name is neutral
(child-<id>.jpg): an uploaded file's name is often the child's.

Shown: the same checks on the way out, so a file stored before these rules (a PDF, or a JPEG
with its GPS position) is never served as it is: one that is not JPEG or PNG is not shown, and
one with metadata is cleaned as it is sent.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from visible.uploads import size_text

FORMATS = ("JPEG", "PNG")
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png"}
JPEG_QUALITY = 90
NOT_JPEG_OR_PNG = (
    "The photograph must be a JPEG or PNG image, and this file is not one: save or export it as "
    "JPEG (or PNG) and upload it again"
)
# What an opened JPEG's info carries from the file that is about more than the picture (the
# JFIF header's density and the colour profile are kept: they say nothing of where or when).
_JPEG_METADATA = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop")
# A PNG's chunks that hold text, EXIF or a time.
_PNG_METADATA = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def _refused(message: str) -> ValidationError:
    return ValidationError({"photo": [message]})


def _megapixels(pixels: int) -> str:
    if pixels < 1_000_000:
        return f"{pixels:,} pixels"
    return f"{pixels / 1_000_000:,.1f}".removesuffix(".0") + " megapixels"


def _open(data: bytes):
    """The image in `data`, its header read (no pixels yet) by the JPEG and PNG readers only;
    ValidationError if it is neither or has more pixels than VISIBLE_PHOTO_MAX_PIXELS."""
    from PIL import Image, UnidentifiedImageError

    most = settings.VISIBLE_PHOTO_MAX_PIXELS
    smaller = (
        "make it smaller (a phone's photograph of 4,000 by 3,000 pixels is 12 megapixels) and upload it "
        "again"
    )
    with warnings.catch_warnings():
        # Pillow warns above Image.MAX_IMAGE_PIXELS (set to the same limit: ChildrenConfig) and
        # refuses above twice that; both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refused(
                f"The photograph has more than {_megapixels(most)}, the most there can be: {smaller}"
            ) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise _refused(NOT_JPEG_OR_PNG) from None
    if _kind(image) not in FORMATS:
        raise _refused(NOT_JPEG_OR_PNG)
    width, height = image.size
    if width * height > most:
        raise _refused(
            f"The photograph is {width:,} by {height:,} pixels ({_megapixels(width * height)}); the most is "
            f"{_megapixels(most)}: {smaller}"
        )
    return image


def _kind(image) -> str:
    # A phone's multi-picture JPEG (MPO: the photograph and a preview or depth map) is read by
    # the JPEG reader as MPO; its first picture is an ordinary JPEG photograph.
    return "JPEG" if image.format == "MPO" else image.format


def _encoded(image) -> bytes:
    """The picture alone: decoded, turned upright, encoded again without metadata."""
    from PIL import Image, ImageOps

    kind = _kind(image)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
        except (
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
            OSError,
            ValueError,
            SyntaxError,
        ):
            raise _refused(
                "The photograph could not be read: the file is damaged or incomplete. Save it again as "
                "JPEG or PNG and upload it again"
            ) from None
    colour_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency") if kind == "PNG" else None
    upright.info = {}  # nothing from the file's metadata is written back (Pillow copies some)
    options: dict[str, Any] = {}
    if colour_profile:
        options["icc_profile"] = colour_profile
    out = io.BytesIO()
    if kind == "JPEG":
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.save(out, format="JPEG", quality=JPEG_QUALITY, **options)
    else:
        if transparency is not None:
            options["transparency"] = transparency
        upright.save(out, format="PNG", **options)
    return out.getvalue()


def _read(upload: Any, limit: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refused(
            f"The photograph is {size_text(size)}; the most is {size_text(limit)}: make it smaller and "
            "upload it again"
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refused(
            f"The photograph is more than {size_text(limit)}, the most there can be: make it smaller and "
            "upload it again"
        )
    return data


def prepared(upload: Any, child_id: int) -> ContentFile:
    """The uploaded photograph as Visible keeps it, or ValidationError on the field 'photo'
    saying what is wrong and how to fix it."""
    data = _read(upload, settings.VISIBLE_PHOTO_MAX_BYTES)
    if not data:
        raise _refused("The photograph is empty: choose the photograph again")
    image = _open(data)
    return ContentFile(_encoded(image), name=f"child-{child_id}.{EXTENSIONS[_kind(image)]}")


def has_metadata(image, data: bytes) -> bool:
    """Whether an opened photograph still carries metadata, without decoding it."""
    if _kind(image) == "JPEG":
        return image.format == "MPO" or any(key in image.info for key in _JPEG_METADATA)
    return not _png_chunks(data).isdisjoint(_PNG_METADATA)


def _png_chunks(data: bytes) -> set[bytes]:
    """The kinds of chunk in a PNG file, walked by their lengths (the pixels are not read)."""
    kinds, at = set(), 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kinds.add(data[at + 4 : at + 8])
        at += 12 + length
    return kinds


def for_showing(stored) -> tuple[bytes, str] | None:
    """A stored photograph (a FieldFile or a name in storage) as (bytes, content type) to send:
    None if it is not a JPEG or PNG Visible can show; cleaned of metadata if it still has any
    (stored before photographs were encoded again)."""
    from visible.children.models import Child

    name = getattr(stored, "name", stored)
    if not name:
        return None
    storage = getattr(stored, "storage", None) or Child._meta.get_field("photo").storage
    try:
        with storage.open(name, "rb") as handle:
            data = handle.read(settings.VISIBLE_PHOTO_MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > settings.VISIBLE_PHOTO_MAX_BYTES:
        return None
    try:
        image = _open(data)
        content_type = CONTENT_TYPES[_kind(image)]
        if has_metadata(image, data):
            data = _encoded(image)
    except ValidationError:
        return None
    return data, content_type
