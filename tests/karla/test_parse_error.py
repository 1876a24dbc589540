"""Karla's error-body parser: its envelope, FastAPI's ``detail`` (list or string), and junk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopbridge.core.sansio._outcome import ErrorBody
from shopbridge.karla import parse_error


def test_envelope_keeps_key_message_type_and_field_errors_by_dot_path() -> None:
    body = {
        "errors": [
            {
                "loc": ["body", "order", "address", "zip_code"],
                "msg": "invalid zip code",
                "field": "zip_code",
                "type": "value_error",
            }
        ],
        "key": "zip_code_invalid",
        "message": "The provided zip code is invalid",
        "type": "invalid_request_error",
    }

    error = parse_error(422, body)

    assert error == ErrorBody(
        key="zip_code_invalid",
        message="The provided zip code is invalid",
        field_errors={"order.address.zip_code": ["invalid zip code"]},
        type="invalid_request_error",
    )


def test_fastapi_default_422_detail_list() -> None:
    body = {
        "detail": [
            {"loc": ["body", "order", "address", "zip_code"], "msg": "Field required", "type": "m"},
            {"loc": ["body", "products", 0, "sku"], "msg": "Input should be a string", "type": "s"},
        ]
    }

    error = parse_error(422, body)

    assert error is not None
    assert (error.key, error.message, error.type) == (None, None, None)
    assert dict(error.field_errors) == {
        "order.address.zip_code": ("Field required",),
        "products.0.sku": ("Input should be a string",),
    }


@pytest.mark.parametrize("where", ["body", "query", "path", "header", "cookie"])
def test_leading_location_segment_is_dropped(where: str) -> None:
    error = parse_error(422, {"detail": [{"loc": [where, "per_page"], "msg": "too big"}]})

    assert error is not None
    assert dict(error.field_errors) == {"per_page": ("too big",)}


def test_only_the_first_segment_is_a_location() -> None:
    error = parse_error(422, {"detail": [{"loc": ["order", "body", 2], "msg": "bad"}]})

    assert error is not None
    assert dict(error.field_errors) == {"order.body.2": ("bad",)}


def test_messages_are_grouped_per_path_in_order() -> None:
    body = {
        "errors": [
            {"loc": ["body", "email_id"], "msg": "first"},
            {"loc": ["body", "currency"], "msg": "other"},
            {"loc": ["body", "email_id"], "msg": "second"},
        ],
        "key": "validation_error",
    }

    error = parse_error(422, body)

    assert error is not None
    assert list(error.field_errors.items()) == [
        ("email_id", ("first", "second")),
        ("currency", ("other",)),
    ]


def test_envelope_errors_come_before_detail_when_both_are_sent() -> None:
    body = {
        "errors": [{"loc": ["body", "id"], "msg": "from errors"}],
        "detail": [{"loc": ["body", "id"], "msg": "from detail"}],
    }

    error = parse_error(422, body)

    assert error is not None
    assert dict(error.field_errors) == {"id": ("from errors", "from detail")}


@pytest.mark.parametrize(
    ("item", "path"),
    [
        pytest.param({"field": "zip_code", "msg": "m"}, "zip_code", id="no-loc"),
        pytest.param({"loc": None, "field": "zip_code", "msg": "m"}, "zip_code", id="null-loc"),
        pytest.param({"loc": [], "field": "zip_code", "msg": "m"}, "zip_code", id="empty-loc"),
        pytest.param({"loc": "body.zip", "field": "zip_code", "msg": "m"}, "zip_code", id="str"),
        pytest.param({"loc": ["body", {}], "field": "zip_code", "msg": "m"}, "zip_code", id="dict"),
        pytest.param({"loc": ["items", True], "field": "f", "msg": "m"}, "f", id="bool-part"),
        pytest.param({"loc": ["body"], "field": "zip_code", "msg": "m"}, "zip_code", id="body"),
        pytest.param({"loc": ["body"], "msg": "m"}, "", id="whole-body"),
        pytest.param({"msg": "m"}, "", id="nothing"),
        pytest.param({"field": 3, "msg": "m"}, "", id="junk-field"),
    ],
)
def test_path_falls_back_to_field_when_loc_is_absent_or_unusable(
    item: dict[str, Any], path: str
) -> None:
    error = parse_error(422, {"errors": [item]})

    assert error is not None
    assert dict(error.field_errors) == {path: ("m",)}


def test_detail_string_is_the_message() -> None:
    error = parse_error(404, {"detail": "Not Found"})

    assert error == ErrorBody(message="Not Found")


def test_envelope_message_wins_over_a_detail_string() -> None:
    error = parse_error(400, {"message": "invalid request", "detail": "Bad Request"})

    assert error is not None
    assert error.message == "invalid request"


@pytest.mark.parametrize("hint", [60, "60", 1.5, "junk", None])
def test_body_retry_after_is_kept_unparsed(hint: object) -> None:
    error = parse_error(429, {"message": "slow down", "retry_after": hint})

    assert error is not None
    assert error.retry_after == hint


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(None, id="empty-or-not-json"),
        pytest.param("<html>502 Bad Gateway</html>", id="string"),
        pytest.param(["errors"], id="list"),
        pytest.param(42, id="number"),
        pytest.param(True, id="bool"),
    ],
)
def test_anything_but_a_json_object_is_none(data: Any) -> None:
    assert parse_error(502, data) is None


def test_empty_object_is_an_empty_error_body() -> None:
    assert parse_error(500, {}) == ErrorBody()


def test_junk_inside_the_object_is_ignored() -> None:
    body = {
        "errors": "not a list",
        "detail": {"not": "a list or a string"},
        "key": 5,
        "message": ["x"],
        "type": {},
    }

    assert parse_error(422, body) == ErrorBody()


def test_junk_items_are_skipped_and_bare_messages_kept() -> None:
    body = {
        "errors": [
            1,
            None,
            ["body", "id"],
            {"loc": ["body", "id"]},
            {"loc": ["body", "id"], "msg": 3},
            "the body is not valid JSON",
            {"loc": ["body", "id"], "msg": "kept"},
        ]
    }

    error = parse_error(422, body)

    assert error is not None
    assert dict(error.field_errors) == {"": ("the body is not valid JSON",), "id": ("kept",)}


_WORDS = st.sampled_from(
    ["errors", "detail", "key", "message", "type", "retry_after", "loc", "msg", "field", "body"]
)
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | _WORDS
_JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(_WORDS | st.text(max_size=4), children, max_size=5)
    ),
    max_leaves=40,
)


@given(status=st.integers(min_value=0, max_value=999), data=_JSON)
def test_parse_error_never_raises(status: int, data: Any) -> None:
    error = parse_error(status, data)

    if not isinstance(data, Mapping):
        assert error is None
        return
    assert isinstance(error, ErrorBody)
    for value in (error.key, error.message, error.type):
        assert value is None or isinstance(value, str)
    for path, messages in error.field_errors.items():
        assert isinstance(path, str)
        assert messages
        assert all(isinstance(message, str) for message in messages)
