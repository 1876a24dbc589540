"""What `AsyncKarla` checks of an image before uploading it (``specs/karla.md`` §2.4, §2.6).

An image is given as bytes or as a path. Before anything is sent, the client reads it, names it
and decides its media type: the one given, else the one `mimetypes` guesses from its name, else
the one its first bytes show (PNG, JPEG, GIF, WebP). Every problem is collected as a field
error under the name of the argument that holds it (``image``, ``content_type``,
``image_type``, ``product_position``), and the upload is refused with all of them at once.

Karla answers ``415 image_media_unsupported`` for a file it cannot read as an image; the
client refuses only what it can tell without decoding one: an empty file, or a media type that
is not ``image/*``.

`upload_body` gives the upload's body: encoded once (`shopbridge.core.sansio._multipart`), so
that every attempt sends the same bytes, or `RefusedImage` with every field error, which the
client raises as a `ValidationError` naming the upload's path.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path, PurePath
from typing import TypeAlias

import anyio.to_thread
from attrs import frozen

from shopbridge.core._bodies import encode_file
from shopbridge.core._endpoint import Encoded
from shopbridge.core.sansio._multipart import is_media_type
from shopbridge.karla._shop_models import IMAGE_TYPES

__all__ = [
    "IMAGE_FORM",
    "ImageForm",
    "ImageSource",
    "LoadedImage",
    "RefusedImage",
    "check_image_type",
    "check_position",
    "load_image",
    "upload_body",
]

ImageSource: TypeAlias = bytes | str | os.PathLike[str]
"""An image to upload: its bytes, or the path of a file holding them."""

FieldErrors: TypeAlias = dict[str, list[str]]

_DEFAULT_STEM = "image"
"""The file name sent for bytes given without one: Karla reads a part without a name as text."""

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@frozen
class ImageForm:
    """The schema of an image upload: a ``multipart/form-data`` body with one file part."""

    field: str


IMAGE_FORM = ImageForm("image")
"""Karla's image uploads: the file in the form's ``image`` part (spec §1.1)."""


@frozen
class RefusedImage:
    """An upload refused before sending: every field error, keyed by the argument's name."""

    errors: FieldErrors


@frozen(kw_only=True)
class LoadedImage:
    """An image ready to encode: its bytes, the name the server sees, and its media type."""

    data: bytes
    filename: str
    content_type: str


def check_image_type(image_type: object, errors: FieldErrors) -> str | None:
    """`image_type` if it is one of `IMAGE_TYPES`; else ``None``, with the error added."""
    if isinstance(image_type, str) and image_type in IMAGE_TYPES:
        return image_type
    allowed = ", ".join(repr(name) for name in IMAGE_TYPES)
    errors.setdefault("image_type", []).append(f"Input should be {allowed}; got {image_type!r}")
    return None


def check_position(position: object, errors: FieldErrors) -> int | None:
    """`position` if it is an ``int`` >= 0 (Karla counts a campaign's products from 0)."""
    if isinstance(position, int) and not isinstance(position, bool) and position >= 0:
        return position
    errors.setdefault("product_position", []).append(
        f"Input should be an integer >= 0 (the first product is 0); got {position!r}"
    )
    return None


def _sniffed(data: bytes) -> str | None:
    media = next((media for magic, media in _SIGNATURES if data.startswith(magic)), None)
    if media is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        media = "image/webp"
    return media


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _media_type(
    data: bytes, filename: str | None, content_type: object, errors: FieldErrors
) -> str | None:
    if content_type is not None:
        if not isinstance(content_type, str) or not is_media_type(content_type):
            errors.setdefault("content_type", []).append(
                f"Input should be a bare media type such as 'image/png'; got {content_type!r}"
            )
            return None
        media: str | None = content_type.lower()
    else:
        guessed = None if filename is None else mimetypes.guess_type(filename, strict=False)[0]
        media = guessed or _sniffed(data)
    if media is None:
        where = f"the file name {filename!r}" if filename else "a file name"
        errors.setdefault("content_type", []).append(
            f"Cannot tell the image's media type from {where} or its first bytes; "
            "pass content_type, such as 'image/png'"
        )
        return None
    if not media.startswith("image/"):
        errors.setdefault("content_type", []).append(
            f"Karla takes images only (image/*); got {media!r}"
        )
        return None
    return media


async def load_image(
    image: object,
    *,
    filename: object,
    content_type: object,
    errors: FieldErrors,
) -> LoadedImage | None:
    """Read, name and type an image; ``None``, with the errors added, when it cannot be sent.

    Args:
        image: the image's bytes, or a path (a file is read off the event loop, in a thread).
        filename: the name the server sees; by default the path's last part, or ``image``
            with the extension of the media type for bytes.
        content_type: the media type; by default guessed from the name, then from the bytes.
        errors: where field errors are added.
    """
    # Typed `object`: the public methods say `str | None`, but an untyped caller may pass anything.
    name: str | None = None
    if isinstance(filename, str) and filename.strip():
        name = filename
    elif filename is not None:
        errors.setdefault("filename", []).append("Input should be a non-empty string")
    data: bytes | None = None
    if isinstance(image, bytes | bytearray | memoryview):
        data = bytes(image)
    elif isinstance(image, str | os.PathLike):
        path = Path(image)
        try:
            data = await anyio.to_thread.run_sync(path.read_bytes)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            errors.setdefault("image", []).append(f"Cannot read {str(path)!r}: {reason}")
            return None
        if name is None and filename is None:
            name = PurePath(path).name or None
    else:
        errors.setdefault("image", []).append(
            f"Input should be bytes or a path; got {type(image).__name__}"
        )
        return None
    media = None
    if not data:
        errors.setdefault("image", []).append("The image is empty")
    else:  # an empty file has no media type to tell: one error says it all
        media = _media_type(data, name, content_type, errors)
    if name is not None and not _is_text(name):
        # A file name on disk that is not UTF-8 reaches Python with lone surrogates.
        errors.setdefault("filename", []).append(
            f"{name!r} is not text that can be sent; pass filename, such as 'logo.png'"
        )
    if errors or media is None:
        return None
    if name is None:
        name = _DEFAULT_STEM + (mimetypes.guess_extension(media, strict=False) or "")
    return LoadedImage(data=data, filename=name, content_type=media)


async def upload_body(
    image: object,
    *,
    filename: object,
    content_type: object,
    errors: FieldErrors,
) -> Encoded | RefusedImage:
    """The body of an image upload; `errors` may already hold the path's own.

    Returns:
        The form, encoded once; or `RefusedImage` when any field error was found.
    """
    loaded = await load_image(image, filename=filename, content_type=content_type, errors=errors)
    if errors or loaded is None:
        return RefusedImage(errors)
    body, header = encode_file(
        name=IMAGE_FORM.field,
        filename=loaded.filename,
        content_type=loaded.content_type,
        data=loaded.data,
    )
    return Encoded(body, header)
