"""The messaging API's decision table and body parser (``specs/kanal.md`` §2.4, §4.2, §7). Pure.

The messaging API answers in two shapes of its own::

    {"error": "Team has no active subscription"}                   sends, templates: 400-403
    {"error": "Too many requests. Please slow down.", "retry_after": 60}       429
    {"message": "Automation is not active"}                        every automation error

and two 2xx answers that are not plain successes: 201 "Message already sent with this
idempotency key: <key>" (a replay, `Action.ALREADY_SENT`) and 200 "Contact blocked by re-entry
rule" (`Action.BLOCKED`). `parse_messaging_body` reads them all, 2xx included, into an
`ErrorBody` whose ``key`` names each documented message.

What is resent: a send carries an ``Idempotency-Key`` (it is idempotent), so Kanal's
deduplication makes every resend safe, after a lost answer too. A send without one, and an
automation trigger (which takes no key), is resent only when it surely was not applied: a
connection that failed before sending, a 503, a 429. After a read timeout, a connection dropped
after sending or a 500/502/504, it is not resent: the message may have gone out, or the flow may
have run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shopbridge.core.sansio._http_rules import GENERIC_HTTP_RULES, NETWORK_RULES
from shopbridge.core.sansio._outcome import ErrorBody, FailureKind
from shopbridge.core.sansio._table import DecisionTable, Rule, chain
from shopbridge.core.sansio._verdict import Action

__all__ = ["KANAL_MESSAGING_TABLE", "MESSAGING_KEYS", "parse_messaging_body"]

MESSAGING_KEYS: Mapping[str, str] = {
    "API key is missing": "api_key_missing",
    "Invalid API key": "api_key_invalid",
    "Team has no active subscription": "no_active_subscription",
    "Too many requests. Please slow down.": "too_many_requests",
    "template_id is required": "template_id_missing",
    "Template not found": "template_not_found",
    "Incoming webhook not found": "webhook_not_found",
    "Automation not found": "automation_not_found",
    "Automation is not active": "automation_not_active",
    "phone_number is required": "phone_number_missing",
    "Invalid phone_number format": "phone_number_invalid",
    "shopify_customer_id must be numeric": "shopify_customer_id_not_numeric",
    "Message sent successfully": "message_sent",
    "Template message sent successfully": "template_sent",
    "Incoming webhook triggered": "webhook_triggered",
    "Contact blocked by re-entry rule": "blocked_by_reentry",
}
"""The messaging API's documented strings, and the key each one gets in an `ErrorBody`."""

ALREADY_SENT_KEY = "already_sent"
_REPLAY_PREFIX = "Message already sent with this idempotency key"


def parse_messaging_body(status: int, data: Any) -> ErrorBody | None:
    """Read a messaging answer (either error shape, or a 2xx whose words matter).

    Returns:
        The parsed body; ``None`` when it is not a JSON object (the templates list, a proxy's
        page), which the table then classifies by status alone.
    """
    if not isinstance(data, Mapping):
        return None
    error, message = data.get("error"), data.get("message")
    text = error if isinstance(error, str) else message if isinstance(message, str) else None
    key = MESSAGING_KEYS.get(text) if text is not None else None
    if key is None and text is not None and text.startswith(_REPLAY_PREFIX):
        key = ALREADY_SENT_KEY
    elif key is None and status == 404 and text is not None and text.startswith("T"):
        key = "template_not_found"  # the docs cut it off after `{ "error": "T`
    return ErrorBody(key=key, message=text, retry_after=data.get("retry_after"))


def _row(name: str, action: Action, reason: str, **when: Any) -> Rule:
    return Rule(name=f"kanal-messaging-{name}", action=action, reason=reason, **when)


_MAY_HAVE_GONE_OUT = (
    "the message may have gone out (or the flow run), and without an Idempotency-Key a resend "
    "could send it twice: not resent."
)

_MESSAGING_RULES = (
    _row(
        "201-replay",
        Action.ALREADY_SENT,
        "Message already sent with this idempotency key: not sent again.",
        status=201,
    ),
    _row(
        "200-reentry",
        Action.BLOCKED,
        "Contact blocked by re-entry rule: no flow ran; resending changes nothing.",
        status=200,
        key="blocked_by_reentry",
    ),
    _row("200", Action.DONE, "Success: sent, triggered, or answered.", status=200),
    _row(
        "401",
        Action.FIX_CREDENTIALS,
        "Invalid API key (for an automation: the key does not own its WhatsApp number): fix "
        "the key, do NOT retry.",
        status=401,
    ),
    _row(
        "403",
        Action.FIX_CREDENTIALS,
        "Team has no active subscription: the messaging API needs one; do NOT retry.",
        status=403,
    ),
    _row(
        "404",
        Action.NOT_FOUND,
        "Template, incoming webhook or automation not found: check its id, do NOT retry.",
        status=404,
    ),
    _row(
        "400-inactive",
        Action.FAIL,
        "Automation is not active: activate it in the automation editor, then resend.",
        status=400,
        key="automation_not_active",
    ),
    _row(
        "400",
        Action.FIX_PAYLOAD,
        "Refused (a missing or invalid field, or a free-form message outside the contact's "
        "24-hour window: send a template): fix the request, do NOT retry.",
        status=400,
    ),
    _row(
        "429",
        Action.WAIT_RETRY_AFTER,
        "Too many requests. Please slow down: wait retry_after (60 per minute per key for "
        "templates), then retry.",
        status=429,
    ),
    _row(
        "503",
        Action.BACKOFF,
        "Service unavailable: nothing was sent; back off and retry.",
        status=503,
    ),
    _row(
        "5xx-keyed",
        Action.BACKOFF,
        "Server error: the Idempotency-Key makes a resend safe (a replay answers 201); back "
        "off and retry.",
        status=(500, 504),
        idempotent=True,
    ),
    _row("5xx", Action.FAIL, f"Server error: {_MAY_HAVE_GONE_OUT}", status=(500, 504)),
    _row(
        "read-timeout-keyed",
        Action.BACKOFF,
        "No answer in time: the Idempotency-Key makes a resend safe; back off and retry.",
        failure=FailureKind.READ_TIMEOUT,
        idempotent=True,
    ),
    _row(
        "read-timeout",
        Action.FAIL,
        f"No answer in time: {_MAY_HAVE_GONE_OUT}",
        failure=FailureKind.READ_TIMEOUT,
    ),
    _row(
        "disconnected-keyed",
        Action.BACKOFF,
        "The connection closed after sending: the Idempotency-Key makes a resend safe; back "
        "off and retry.",
        failure=FailureKind.DISCONNECTED,
        idempotent=True,
    ),
    _row(
        "disconnected",
        Action.FAIL,
        f"The connection closed after sending: {_MAY_HAVE_GONE_OUT}",
        failure=FailureKind.DISCONNECTED,
    ),
)

_REPLACED_BY_MESSAGING_ROWS = (
    "net-read-timeout-idempotent",
    "net-read-timeout",
    "net-disconnected-idempotent",
    "net-disconnected",
    "http-429",
    "http-503",
    "http-5xx-ambiguous-idempotent",
    "http-5xx-ambiguous",
)

KANAL_MESSAGING_TABLE = DecisionTable(
    "kanal-messaging", chain(_MESSAGING_RULES, NETWORK_RULES, GENERIC_HTTP_RULES)
).without(*_REPLACED_BY_MESSAGING_ROWS)
"""The messaging API's rows (§2.4, §4.2, §6.2, §7), then the network and generic HTTP rows for
what its docs leave out (connection failures, TLS, DNS, redirects, other statuses), without the
generic rows its own make unreachable."""
