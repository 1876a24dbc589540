"""`encode_file` and its random boundary, read back by the stdlib's own MIME parser."""

from __future__ import annotations

from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopbridge.core._bodies import encode_file
from shopbridge.core.sansio._multipart import is_media_type

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) + b"\r\n--not-the-boundary\r\n\r\n"


def parse(body: bytes, header: str) -> list[Message]:
    """The parts of a multipart body, as the `email` package reads them."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {header}\r\n\r\n".encode() + body)
    assert message.is_multipart()
    assert not message.defects
    parts = message.get_payload()
    assert isinstance(parts, list)
    return [part for part in parts if isinstance(part, Message)]


def test_one_file_field_round_trips_byte_for_byte() -> None:
    body, header = encode_file(
        name="image", filename="logo.png", content_type="image/png", data=PNG
    )

    (part,) = parse(body, header)

    assert header.startswith("multipart/form-data; boundary=")
    assert part.get_content_disposition() == "form-data"
    assert part.get_param("name", header="content-disposition") == "image"
    assert part.get_filename() == "logo.png"
    assert part.get_content_type() == "image/png"
    assert part.get_payload(decode=True) == PNG
    assert set(part.keys()) == {"Content-Disposition", "Content-Type"}


def test_the_body_is_exactly_rfc_7578_with_a_given_boundary() -> None:
    body, header = encode_file(
        name="image", filename="a.gif", content_type="image/gif", data=b"GIF89a", boundary="XyZ"
    )

    assert header == "multipart/form-data; boundary=XyZ"
    assert body == (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="image"; filename="a.gif"\r\n'
        b"Content-Type: image/gif\r\n"
        b"\r\n"
        b"GIF89a\r\n"
        b"--XyZ--\r\n"
    )


def test_each_body_draws_its_own_random_boundary_absent_from_the_data() -> None:
    first = encode_file(name="image", filename="a.png", content_type="image/png", data=PNG)
    second = encode_file(name="image", filename="a.png", content_type="image/png", data=PNG)

    assert first[1] != second[1]
    boundary = first[1].partition("boundary=")[2]
    assert len(boundary) > 30
    assert boundary.encode() not in PNG


@pytest.mark.parametrize(
    "filename",
    [
        'evil"; name="other',
        "line\r\nContent-Type: text/html\r\n\r\n<script>",
        "back\\slash\\",
        "100%25 literal percent.png",
        "caf\u00e9 \u65e5\u672c.png",
        "tab\tand\x00nul",
        "  spaces at the edges  ",
        "   ",
    ],
)
def test_a_hostile_or_unusual_filename_cannot_break_out_of_its_quotes(filename: str) -> None:
    body, header = encode_file(name="image", filename=filename, content_type="image/png", data=PNG)

    head = body.split(b"\r\n\r\n", 1)[0]
    (part,) = parse(body, header)

    assert head.isascii()
    assert head.count(b"\r\n") == 2  # boundary line, Content-Disposition, Content-Type
    assert set(part.keys()) == {"Content-Disposition", "Content-Type"}
    assert part.get_param("name", header="content-disposition") == "image"
    assert part.get_content_type() == "image/png"
    assert unquote(part.get_filename() or "") == filename
    assert part.get_payload(decode=True) == PNG


@given(filename=st.text(min_size=1, max_size=40))
def test_any_filename_round_trips_through_percent_encoding(filename: str) -> None:
    try:
        body, header = encode_file(
            name="image", filename=filename, content_type="image/png", data=b"x"
        )
    except UnicodeEncodeError:  # a lone surrogate is not text UTF-8 can carry
        return
    (part,) = parse(body, header)

    assert unquote(part.get_filename() or "", errors="strict") == filename
    assert part.get_payload(decode=True) == b"x"


@given(data=st.binary(max_size=512))
def test_any_bytes_round_trip(data: bytes) -> None:
    body, header = encode_file(name="image", filename="f", content_type="image/png", data=data)

    (part,) = parse(body, header)

    assert part.get_payload(decode=True) == data


@pytest.mark.parametrize(
    "content_type",
    ["image/png\r\nX-Injected: 1", "image/png; charset=x", "image", "/png", "image/ png", ""],
)
def test_a_content_type_that_is_not_a_bare_media_type_is_refused(content_type: str) -> None:
    assert not is_media_type(content_type)
    with pytest.raises(ValueError, match="bare type/subtype"):
        encode_file(name="image", filename="f", content_type=content_type, data=PNG)


def test_a_bad_or_colliding_boundary_is_refused() -> None:
    with pytest.raises(ValueError, match="RFC 2046"):
        encode_file(name="image", filename="f", content_type="image/png", data=b"", boundary="a b")
    with pytest.raises(ValueError, match="occurs in the file"):
        encode_file(
            name="image", filename="f", content_type="image/png", data=b"xx--B", boundary="B"
        )
