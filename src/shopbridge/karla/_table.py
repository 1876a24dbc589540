"""Karla's decision table and error-body parser, from its errors page (seed 002). Pure.

Karla answers errors in its own envelope (``specs/karla.md`` §3.2), and FastAPI, on which it
runs, may answer schema failures in its default shapes::

    {"errors": [{"loc": ["body", "order", "address", "zip_code"],      Karla's envelope
                 "msg": "invalid zip code", "field": "zip_code", "type": "value_error"}],
     "key": "zip_code_invalid", "message": "...", "type": "invalid_request_error"}
    {"detail": [{"loc": ["body", "order", "address", "zip_code"],       FastAPI's default 422
                 "msg": "Field required", "type": "missing"}]}
    {"detail": "Not Found"}                                            FastAPI's HTTPException

`parse_error` reads all three into an `ErrorBody`, with the ``loc`` paths as dot paths
(``order.address.zip_code``, ``products.0.sku``) like Kanal's Laravel errors. `KARLA_TABLE`
classifies by the body's ``key`` first, since the key says more than the status, then by status.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from attrs import frozen

from shopbridge.core.sansio._http_rules import GENERIC_HTTP_RULES, NETWORK_RULES
from shopbridge.core.sansio._outcome import ErrorBody, FailureKind
from shopbridge.core.sansio._table import DecisionTable, Rule, chain
from shopbridge.core.sansio._verdict import Action

__all__ = ["ERROR_KEYS", "KARLA_TABLE", "ErrorKey", "parse_error"]

CLIENT_ERROR = "invalid_request_error"
SERVER_ERROR = "api_error"


@frozen(kw_only=True)
class ErrorKey:
    """One error key of Karla's errors page.

    Attributes:
        key: the ``key`` of the error envelope.
        status: the status the page files it under; for the ``api_error`` keys, which the page
            gives no status, the one ``specs/karla.md`` §3.3 presumes (502, 501, 500).
        type: the envelope's ``type``: ``invalid_request_error`` or ``api_error``.
        message: the page's description, verbatim.
    """

    key: str
    status: int
    type: str
    message: str


def _client(status: int, key: str, message: str) -> ErrorKey:
    return ErrorKey(key=key, status=status, type=CLIENT_ERROR, message=message)


def _server(status: int, key: str, message: str) -> ErrorKey:
    return ErrorKey(key=key, status=status, type=SERVER_ERROR, message=message)


ERROR_KEYS: Mapping[str, ErrorKey] = MappingProxyType(
    {
        error.key: error
        for error in (
            _client(422, "campaign_type_invalid", "the provided campaign type is invalid."),
            _client(
                422,
                "carrier_reference_invalid",
                "the provided carrier reference for the shipment is invalid.",
            ),
            _client(422, "zip_code_invalid", "the provided zip code is invalid."),
            _client(404, "announcement_not_found", "the requested announcement was not found."),
            _client(404, "campaign_not_found", "the requested campaign was not found."),
            _client(
                404,
                "campaign_product_not_found",
                "the requested campaign product was not found.",
            ),
            _client(404, "discount_not_found", "the requested discount was not found."),
            _client(404, "klaviyo_key_not_found", "the requested klaviyo key was not found."),
            _client(404, "order_not_found", "the requested order was not found."),
            _client(404, "shipment_not_found", "the requested shipment was not found."),
            _client(404, "shop_not_found", "the requested shop was not found."),
            _client(404, "shop_settings_not_found", "the requested shop settings was not found."),
            _client(404, "webhook_not_found", "the requested webhook was not found."),
            _client(409, "announcement_exists", "the announcement already exists."),
            _client(409, "campaign_exists", "the campaign already exists."),
            _client(
                409,
                "campaign_active_segment_exists",
                "a campaign with that segment is already in the system.",
            ),
            _client(409, "order_exists", "the order already exists."),
            _client(409, "shipment_exists", "the shipment already exists."),
            _client(409, "shop_exists", "the shop already exists."),
            _client(409, "voucher_exists", "the voucher already exists."),
            _client(415, "image_media_unsupported", "the uploaded image has an unexpected format."),
            _server(
                502,
                "bad_gateway",
                "a service external to Karla (that Karla calls) is having errors.",
            ),
            _server(
                501,
                "service_not_implemented",
                "the requested service is under construction and will be available soon.",
            ),
            _server(500, "unexpected", "something went wrong on Karla's end (these are rare)."),
        )
    }
)
"""Every error key on Karla's errors page (seed 002, the authoritative list), in its order."""

# FastAPI prefixes every `loc` with where the value came from; the rest is the field's path.
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


def parse_error(status: int, data: Any) -> ErrorBody | None:
    """Read a Karla error body: its envelope, or FastAPI's ``detail`` (a list or a string).

    Args:
        status: the HTTP status (unused: Karla's body carries its own ``key``; kept for the
            engine's parser signature).
        data: the decoded JSON body, or ``None`` when it was empty or not JSON.

    Returns:
        The parsed body; ``None`` when the body is not a JSON object (a proxy's HTML page, a
        truncated 5xx), which the decision table then classifies by status alone. Values of
        the wrong type inside the object are ignored, never raised on.
    """
    if not isinstance(data, Mapping):
        return None
    detail = data.get("detail")
    message = _text(data.get("message"))
    if message is None and isinstance(detail, str):
        message = detail
    field_errors: dict[str, list[str]] = {}
    for items in (data.get("errors"), detail):
        _collect_field_errors(items, field_errors)
    return ErrorBody(
        key=_text(data.get("key")),
        message=message,
        field_errors=field_errors,
        retry_after=data.get("retry_after"),
        type=_text(data.get("type")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _collect_field_errors(items: object, into: dict[str, list[str]]) -> None:
    """Add FastAPI-style ``[{loc, msg, field, type}]`` items to `into`, in order."""
    if not isinstance(items, list):
        return
    for item in items:
        if isinstance(item, str):  # a bare message names no field: file it under the body
            into.setdefault("", []).append(item)
            continue
        if not isinstance(item, Mapping):
            continue
        message = item.get("msg")
        if not isinstance(message, str):
            continue
        into.setdefault(_field_path(item), []).append(message)


def _field_path(item: Mapping[Any, Any]) -> str:
    """The dot path of one item: from ``loc`` when it is usable, else from ``field``."""
    field = _text(item.get("field")) or ""
    loc = item.get("loc")
    if not isinstance(loc, list) or not loc:
        return field
    parts: list[str] = []
    for part in loc:
        # bool is an int to Python, but never an index to FastAPI: a loc holding one is junk.
        if isinstance(part, bool) or not isinstance(part, str | int):
            return field
        parts.append(str(part))
    if parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts) or field


def _row(name: str, action: Action, reason: str, **when: Any) -> Rule:
    return Rule(name=f"karla-{name}", action=action, reason=reason, **when)


def _seed_wording(key: str) -> str:
    wording = ERROR_KEYS[key].message.rstrip(".")
    return f"{wording[:1].upper()}{wording[1:]}"


def _seed_reason(key: str, advice: str) -> str:
    return f"{_seed_wording(key)}: {advice}."


_FIX_PAYLOAD = "fix the payload, do not retry"
_CHECK_ID = "check the id, do not retry"
_EXISTED_BEFORE = "it existed before this create; update it instead, do not retry"
_RETRIED_CREATE = "a retried create that meets 409 `*_exists` is reported as already existed"
_BACKOFF_CREATES_TOO = f"back off and retry, creates too ({_RETRIED_CREATE})"

_KEY_ADVICE: Mapping[str, tuple[Action, str]] = {
    "campaign_type_invalid": (Action.FIX_PAYLOAD, _FIX_PAYLOAD),
    "carrier_reference_invalid": (
        Action.FIX_PAYLOAD,
        "fix the payload (use a Karla carrier code), do not retry",
    ),
    "zip_code_invalid": (Action.FIX_PAYLOAD, _FIX_PAYLOAD),
    "announcement_not_found": (Action.NOT_FOUND, _CHECK_ID),
    "campaign_not_found": (Action.NOT_FOUND, _CHECK_ID),
    "campaign_product_not_found": (Action.NOT_FOUND, _CHECK_ID),
    "discount_not_found": (Action.NOT_FOUND, _CHECK_ID),
    "klaviyo_key_not_found": (Action.NOT_FOUND, "set up the Klaviyo key first, do not retry"),
    "order_not_found": (
        Action.NOT_FOUND,
        "check the id; an upsert without `order` needs the order to exist, do not retry",
    ),
    "shipment_not_found": (Action.NOT_FOUND, _CHECK_ID),
    # Every path but /v1/shops is scoped by the slug: a missing shop fails every request of
    # the client alike, as a wrong key does, so it stops a bulk run like credentials do.
    "shop_not_found": (
        Action.FIX_CREDENTIALS,
        "check the shop slug; nothing for this shop can succeed until it is fixed, do not retry",
    ),
    "shop_settings_not_found": (
        Action.NOT_FOUND,
        "check the shop slug, or create its settings first, do not retry",
    ),
    "webhook_not_found": (Action.NOT_FOUND, _CHECK_ID),
    "announcement_exists": (Action.CONFLICT, _EXISTED_BEFORE),
    "campaign_exists": (Action.CONFLICT, _EXISTED_BEFORE),
    # Not resolved as "already existed" even after an ambiguous failure: the key is about the
    # segment, not the campaign being created, and the campaign holding it may be another one
    # (spec §3.3: "another enabled campaign already targets that segment"). Calling that a
    # success could hide a real conflict; the caller must look.
    "campaign_active_segment_exists": (
        Action.CONFLICT,
        "it may be another campaign, even when this create was retried; disable that one or "
        "create this one with enabled=false, do not retry",
    ),
    "order_exists": (
        Action.CONFLICT,
        "it existed before this create; upsert it with PUT /orders instead, do not retry",
    ),
    "shipment_exists": (Action.CONFLICT, _EXISTED_BEFORE),
    "shop_exists": (Action.CONFLICT, _EXISTED_BEFORE),
    "voucher_exists": (Action.CONFLICT, _EXISTED_BEFORE),
    "image_media_unsupported": (
        Action.FIX_PAYLOAD,
        "send the image in a supported format, do not retry",
    ),
    "bad_gateway": (Action.BACKOFF, _BACKOFF_CREATES_TOO),
    "service_not_implemented": (Action.FAIL, "permanent for now, do not retry"),
    "unexpected": (Action.BACKOFF, _BACKOFF_CREATES_TOO),
}

# The `*_exists` keys that a create retried after an ambiguous failure (read timeout,
# disconnect after send, 500/502/504) resolves: the earlier attempt most likely created it.
_RESOLVED_WHEN_RETRIED = (
    "announcement_exists",
    "campaign_exists",
    "order_exists",
    "shipment_exists",
    "shop_exists",
    "voucher_exists",
)

_ALREADY_EXISTED_ROWS = tuple(
    _row(
        f"{key}-retried",
        Action.ALREADY_EXISTED,
        f"{_seed_wording(key)}, and this create was retried after an ambiguous failure: "
        "already existed, an earlier attempt most likely created it.",
        key=key,
        create=True,
        after_ambiguous=True,
    )
    for key in _RESOLVED_WHEN_RETRIED
)

# The `*_not_found` keys of the records a DELETE removes. A DELETE retried after an ambiguous
# failure that meets one is already gone: the lost attempt most likely deleted it. Not
# `shop_not_found`: on a shop-scoped path it says the slug is wrong, not that the record went.
_GONE_WHEN_RETRIED = (
    "announcement_not_found",
    "campaign_not_found",
    "discount_not_found",
    "webhook_not_found",
)

_ALREADY_GONE_ROWS = (
    *(
        _row(
            f"{key}-delete-retried",
            Action.DONE,
            f"{_seed_wording(key)}, and this DELETE was retried after an ambiguous failure: "
            "already gone, an earlier attempt most likely deleted it.",
            key=key,
            method="DELETE",
            after_ambiguous=True,
        )
        for key in _GONE_WHEN_RETRIED
    ),
)

# A POST that is neither idempotent nor a create (shipment events, product pushes): nothing
# dedupes it, so after an ambiguous failure it is not resent, whatever key the body carries.
_NOT_RESENT = (
    "Karla may have applied it, and it does not deduplicate this request (not idempotent, "
    "not a create): resending could apply it twice; check, then resend by hand, do not retry."
)
_NOT_DEDUPLICATED_ROWS = tuple(
    _row(
        f"{name}-not-deduplicated",
        Action.FAIL,
        f"{what}: {_NOT_RESENT}",
        idempotent=False,
        create=False,
        **when,
    )
    for name, what, when in (
        ("500", "Server error", {"status": 500}),
        ("502", "Bad gateway", {"status": 502}),
        ("504", "Gateway timeout", {"status": 504}),
        ("read-timeout", "No answer in time", {"failure": FailureKind.READ_TIMEOUT}),
        (
            "disconnected",
            "The connection closed after sending",
            {"failure": FailureKind.DISCONNECTED},
        ),
    )
)

_KEY_ROWS = tuple(
    _row(key, action, _seed_reason(key, advice), key=key)
    for key, (action, advice) in _KEY_ADVICE.items()
)

_STATUS_ROWS = (
    _row(
        "404-delete-retried",
        Action.DONE,
        "Not found, with no documented key, and this DELETE was retried after an ambiguous "
        "failure: already gone, an earlier attempt most likely deleted it.",
        status=404,
        method="DELETE",
        after_ambiguous=True,
    ),
    # Karla documents no `*_exists` key for every create: a second Shopify webhook of one
    # type ("create ... if it does not exist", spec §2.11) is a 409 with none. A create
    # retried after an ambiguous failure that meets it is resolved as the keyed ones are.
    _row(
        "409-create-retried",
        Action.ALREADY_EXISTED,
        "Already exists, with no documented key, and this create was retried after an "
        "ambiguous failure: already existed, an earlier attempt most likely created it.",
        status=409,
        create=True,
        after_ambiguous=True,
    ),
    _row(
        "400",
        Action.FIX_CREDENTIALS,
        'Missing or wrong Basic credentials (Karla answers 400 "invalid request"): fix the '
        "username (defaults to the shop slug) or the API key, do not retry.",
        status=400,
    ),
    _row(
        "401",
        Action.FIX_CREDENTIALS,
        "The API key has been deleted or has expired: create a new one, do not retry.",
        status=401,
    ),
    _row(
        "403",
        Action.FIX_CREDENTIALS,
        "The key's role or shops do not cover this request: fix the key or the shop slug, "
        "do not retry.",
        status=403,
    ),
    _row(
        "404",
        Action.NOT_FOUND,
        "Not found, with no documented key: check the shop slug, the id and base_url, "
        "do not retry.",
        status=404,
    ),
    _row(
        "409",
        Action.CONFLICT,
        "Already exists, with no documented key: do not retry.",
        status=409,
    ),
    _row(
        "415",
        Action.FIX_PAYLOAD,
        "Unsupported media type: send JSON (images as multipart/form-data), do not retry.",
        status=415,
    ),
    _row(
        "422",
        Action.FIX_PAYLOAD,
        "Validation failed: fix the payload, do not retry (read the field errors).",
        status=422,
    ),
    _row(
        "429",
        Action.WAIT_RETRY_AFTER,
        "Rate limited (undocumented for Karla): wait Retry-After if given, else back off, "
        "then retry.",
        status=429,
    ),
    _row(
        "500",
        Action.BACKOFF,
        f"Server error on Karla's end: {_BACKOFF_CREATES_TOO}.",
        status=500,
    ),
    _row(
        "501",
        Action.FAIL,
        "Not implemented: permanent for now, do not retry.",
        status=501,
    ),
    _row(
        "502",
        Action.BACKOFF,
        f"Bad gateway: {_BACKOFF_CREATES_TOO}.",
        status=502,
    ),
    _row(
        "503",
        Action.BACKOFF,
        "Service unavailable: nothing was applied; back off and retry.",
        status=503,
    ),
    _row(
        "504",
        Action.BACKOFF,
        f"Gateway timeout: {_BACKOFF_CREATES_TOO}.",
        status=504,
    ),
    _row(
        "5xx",
        Action.FAIL,
        "Server error that Karla does not document: do not retry.",
        status=(500, 599),
    ),
)

_NETWORK_ROWS = (
    _row(
        "read-timeout",
        Action.BACKOFF,
        "No answer in time; Karla may have applied it. Back off and retry: PUT, PATCH and "
        f"DELETE are idempotent, and {_RETRIED_CREATE}.",
        failure=FailureKind.READ_TIMEOUT,
    ),
    _row(
        "disconnected",
        Action.BACKOFF,
        "The connection closed after sending; Karla may have applied it. Back off and retry: "
        f"PUT, PATCH and DELETE are idempotent, and {_RETRIED_CREATE}.",
        failure=FailureKind.DISCONNECTED,
    ),
)

# A success is a success whatever its body holds, so 2xx goes before the key rows (the engine
# parses no error for a 2xx; a hand-built outcome might).
_KARLA_RULES = chain(
    (_row("2xx", Action.DONE, "Success.", status=(200, 299)),),
    _ALREADY_EXISTED_ROWS,
    _ALREADY_GONE_ROWS,
    _NOT_DEDUPLICATED_ROWS,
    _KEY_ROWS,
    _STATUS_ROWS,
    _NETWORK_ROWS,
)

_REPLACED_BY_KARLA_ROWS = (
    "net-read-timeout-idempotent",
    "net-read-timeout",
    "net-disconnected-idempotent",
    "net-disconnected",
    "http-2xx",
    "http-415",
    "http-429",
    "http-501",
    "http-503",
    "http-5xx-ambiguous-idempotent",
    "http-5xx-ambiguous",
    "http-5xx",
)

KARLA_TABLE = DecisionTable(
    "karla", chain(_KARLA_RULES, NETWORK_RULES, GENERIC_HTTP_RULES)
).without(*_REPLACED_BY_KARLA_ROWS)
"""Karla's rows: ``*_exists`` met by a retried create, ``*_not_found`` met by a retried DELETE,
the ambiguous failures of a POST that nothing dedupes (never resent), then one row per key of
seed 002, then
its statuses (spec §1.3 and §3.4) and network failures; then the generic network and HTTP rows
for what Karla does not document (connect failures, TLS, DNS, redirects, 408, 413, other 4xx),
without the generic rows that Karla's own make unreachable."""
