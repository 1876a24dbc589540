"""Kanal's decision table and error-body parser, from its errors page (seed 000). Pure.

Kanal answers errors in three shapes (``specs/kanal.md`` §5.1)::

    {"error": "API key does not authorize this store"}           401 / 403 / 404 / 400
    {"message": "The customer.phone field is required.",          422, Laravel validation
     "errors": {"customer.phone": ["The customer.phone field is required."]}}
    {"message": "Too Many Attempts."}                              429

`parse_error` reads all three (and the messaging API's ``{"error", "retry_after"}``) into an
`ErrorBody` whose ``key`` names each documented message, so that rules can tell a paused store
from a missing record although both are 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shopbridge.core.sansio._http_rules import GENERIC_HTTP_RULES, NETWORK_RULES
from shopbridge.core.sansio._outcome import ErrorBody, FailureKind
from shopbridge.core.sansio._table import DecisionTable, Rule, chain
from shopbridge.core.sansio._verdict import Action

__all__ = ["ERROR_KEYS", "KANAL_TABLE", "parse_error"]

ERROR_KEYS: Mapping[str, str] = {
    "API key is missing": "api_key_missing",
    "Invalid API key": "api_key_invalid",
    "API key does not authorize this store": "store_not_authorized",
    "Store not found or paused": "store_not_found",
    "Missing store_id route parameter": "store_id_missing",
    "Team has no active subscription": "no_active_subscription",
    "Too Many Attempts.": "too_many_attempts",
    "Too many requests. Please slow down.": "too_many_requests",
    "Not Found": "route_not_found",
}
"""Kanal's documented error strings, and the key each one gets in an `ErrorBody`."""

VALIDATION_KEY = "validation_failed"
RECORD_NOT_FOUND_KEY = "record_not_found"
METHOD_NOT_ALLOWED_KEY = "method_not_allowed"


def parse_error(status: int, data: Any) -> ErrorBody | None:
    """Read a Kanal error body (any of its shapes).

    Args:
        status: the HTTP status.
        data: the decoded JSON body, or ``None`` when it was empty or not JSON.

    Returns:
        The parsed body; ``None`` when the body is not a JSON object (a proxy's HTML page, a
        truncated 5xx), which the decision table then classifies by status alone.
    """
    if not isinstance(data, Mapping):
        return None
    error = data.get("error")
    message = data.get("message")
    text = error if isinstance(error, str) else message if isinstance(message, str) else None
    errors = data.get("errors")
    if status == 422 and isinstance(errors, Mapping):
        return ErrorBody(key=VALIDATION_KEY, message=text, field_errors=errors)
    key = ERROR_KEYS.get(text) if text is not None else None
    if key is None and status == 404 and isinstance(error, str):
        # Kanal's own 404s are {"error": ...}: the store one is known, any other is the
        # record's (its wording is not documented). A 404 without that shape is not Kanal's.
        key = RECORD_NOT_FOUND_KEY
    elif key is None and status == 405:
        key = METHOD_NOT_ALLOWED_KEY
    return ErrorBody(key=key, message=text, retry_after=data.get("retry_after"))


def _row(name: str, action: Action, reason: str, **when: Any) -> Rule:
    return Rule(name=f"kanal-{name}", action=action, reason=reason, **when)


_NETWORK_REASON = (
    "Network error: exponential backoff + jitter, retry safely (writes are idempotent on "
    "(store_id, external_id))."
)

_KANAL_RULES = (
    _row("201", Action.DONE, "Created a new record.", status=201),
    _row("200", Action.DONE, "Updated an existing record.", status=200),
    _row("204", Action.DONE, "Deleted (no body).", status=204),
    _row(
        "400",
        Action.FIX_PAYLOAD,
        "Missing store_id route parameter: fix the request, then resend; do NOT retry.",
        status=400,
    ),
    _row(
        "401",
        Action.FIX_CREDENTIALS,
        "Missing or invalid API key: fix the credentials, do NOT retry.",
        status=401,
    ),
    _row(
        "403",
        Action.FIX_CREDENTIALS,
        "Key not authorized for this store: fix the credentials or store_id, do NOT retry.",
        status=403,
    ),
    _row(
        "404-store",
        Action.NOT_FOUND,
        "Store unknown or paused: check store_id, do NOT retry.",
        status=404,
        key="store_not_found",
    ),
    _row(
        "404-delete",
        Action.DONE,
        "Already gone: deleting a record that does not exist leaves it deleted.",
        status=404,
        key=RECORD_NOT_FOUND_KEY,
        method="DELETE",
    ),
    _row(
        "404",
        Action.NOT_FOUND,
        "Record not found: check that the record exists for PATCH/DELETE, do NOT retry.",
        status=404,
        key=RECORD_NOT_FOUND_KEY,
    ),
    _row(
        "404-route",
        Action.FAIL,
        "A 404 without Kanal's error body: no Kanal route answered; check base_url (it ends "
        "in /api/v1).",
        status=404,
    ),
    _row(
        "422",
        Action.FIX_PAYLOAD,
        "Validation failed: fix the payload, do NOT retry (read `errors` for the failing fields).",
        status=422,
    ),
    _row(
        "429",
        Action.WAIT_RETRY_AFTER,
        "Rate limit exceeded: wait Retry-After, then retry.",
        status=429,
    ),
    _row(
        "5xx",
        Action.BACKOFF,
        "Transient server error: exponential backoff + jitter, retry safely.",
        status=(500, 599),
    ),
    _row("connect", Action.BACKOFF, _NETWORK_REASON, failure=FailureKind.CONNECT),
    _row("connect-timeout", Action.BACKOFF, _NETWORK_REASON, failure=FailureKind.CONNECT_TIMEOUT),
    _row(
        "read-timeout",
        Action.BACKOFF,
        _NETWORK_REASON,
        failure=FailureKind.READ_TIMEOUT,
        idempotent=True,
    ),
    _row(
        "disconnected",
        Action.BACKOFF,
        _NETWORK_REASON,
        failure=FailureKind.DISCONNECTED,
        idempotent=True,
    ),
)

_REPLACED_BY_KANAL_ROWS = (
    "net-connect",
    "net-connect-timeout",
    "net-read-timeout-idempotent",
    "net-disconnected-idempotent",
    "http-429",
    "http-501",
    "http-503",
    "http-5xx-ambiguous-idempotent",
    "http-5xx-ambiguous",
    "http-5xx",
)

KANAL_TABLE = DecisionTable(
    "kanal", chain(_KANAL_RULES, NETWORK_RULES, GENERIC_HTTP_RULES)
).without(*_REPLACED_BY_KANAL_ROWS)
"""Kanal's rows (seed 000's status table and its decision list), then the network and generic
HTTP rows for what Kanal does not document (TLS, DNS, redirects, other 4xx), without the
generic rows that Kanal's own make unreachable."""
