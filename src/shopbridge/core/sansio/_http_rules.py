"""The rows every dialect's table ends with: what HTTP and the network say by themselves.

A dialect puts its own rows first and drops, with `DecisionTable.without`, the generic rows
its own make unreachable; these catch whatever its docs leave out (TLS, DNS, redirects, an
undocumented 4xx, an unknown status).
"""

from __future__ import annotations

from shopbridge.core.sansio._outcome import FailureKind
from shopbridge.core.sansio._table import UNMATCHED_REASON, Rule
from shopbridge.core.sansio._verdict import Action

__all__ = ["GENERIC_HTTP_RULES", "NETWORK_RULES"]


def _rules(*rules: Rule) -> tuple[Rule, ...]:
    return rules


NETWORK_RULES = _rules(
    Rule(
        name="net-connect",
        failure=FailureKind.CONNECT,
        action=Action.BACKOFF,
        reason="The connection failed before the request was sent; retrying is safe.",
    ),
    Rule(
        name="net-connect-timeout",
        failure=FailureKind.CONNECT_TIMEOUT,
        action=Action.BACKOFF,
        reason="No connection within the connect timeout; the request was not sent.",
    ),
    Rule(
        name="net-read-timeout-idempotent",
        failure=FailureKind.READ_TIMEOUT,
        idempotent=True,
        action=Action.BACKOFF,
        reason="No answer in time; the request is idempotent, so resending it is safe.",
    ),
    Rule(
        name="net-read-timeout",
        failure=FailureKind.READ_TIMEOUT,
        action=Action.FAIL,
        reason="No answer in time; the server may have applied it, and resending could "
        "apply it twice.",
    ),
    Rule(
        name="net-disconnected-idempotent",
        failure=FailureKind.DISCONNECTED,
        idempotent=True,
        action=Action.BACKOFF,
        reason="The connection closed after sending; the request is idempotent, so resending "
        "it is safe.",
    ),
    Rule(
        name="net-disconnected",
        failure=FailureKind.DISCONNECTED,
        action=Action.FAIL,
        reason="The connection closed after sending; the server may have applied it, and "
        "resending could apply it twice.",
    ),
    Rule(
        name="net-tls",
        failure=FailureKind.TLS,
        action=Action.FAIL,
        reason="TLS failed: check the certificate, the CA bundle (ssl_context) or base_url.",
    ),
    Rule(
        name="net-dns",
        failure=FailureKind.DNS,
        action=Action.FAIL,
        reason="The host name did not resolve: check base_url.",
    ),
    Rule(
        name="net-answer-too-large",
        failure=FailureKind.ANSWER_TOO_LARGE,
        action=Action.FAIL,
        reason="The answer is larger than max_body and was refused unread: check base_url, "
        "or raise max_body if so large an answer is genuine.",
    ),
)
"""Network failures: a request that never reached the server is retried; one that may have
been applied is retried only when idempotent; TLS and DNS failures are configuration, and an
answer too large to read is never asked for again."""

GENERIC_HTTP_RULES = _rules(
    Rule(name="http-2xx", status=(200, 299), action=Action.DONE, reason="Success."),
    Rule(
        name="http-3xx",
        status=(300, 399),
        action=Action.FAIL,
        reason="Redirects are not followed: check base_url (https, host and path).",
    ),
    Rule(
        name="http-408",
        status=408,
        action=Action.BACKOFF,
        reason="The server timed out waiting for the request; nothing was applied.",
    ),
    Rule(
        name="http-413-retry-after",
        status=413,
        header="retry-after",
        action=Action.WAIT_RETRY_AFTER,
        reason="Payload too large for now; the server says when to retry.",
    ),
    Rule(
        name="http-413",
        status=413,
        action=Action.FIX_PAYLOAD,
        reason="Payload too large: send less per request.",
    ),
    Rule(
        name="http-415",
        status=415,
        action=Action.FIX_PAYLOAD,
        reason="Unsupported media type: the request must be JSON.",
    ),
    Rule(
        name="http-429",
        status=429,
        action=Action.WAIT_RETRY_AFTER,
        reason="Rate limited: wait what the server says, then retry.",
    ),
    Rule(
        name="http-4xx",
        status=(400, 499),
        action=Action.FAIL,
        reason="Client error that the API does not document; do not retry.",
    ),
    Rule(
        name="http-501",
        status=501,
        action=Action.FAIL,
        reason="Not implemented: permanent; do not retry.",
    ),
    Rule(
        name="http-503",
        status=503,
        action=Action.BACKOFF,
        reason="Service unavailable: nothing was applied; back off and retry.",
    ),
    Rule(
        name="http-5xx-ambiguous-idempotent",
        status=(500, 504),
        idempotent=True,
        action=Action.BACKOFF,
        reason="Transient server error; the request is idempotent, so back off and retry.",
    ),
    Rule(
        name="http-5xx-ambiguous",
        status=(500, 504),
        action=Action.FAIL,
        reason="Server error; the request may have been applied and is not idempotent.",
    ),
    Rule(
        name="http-5xx",
        status=(505, 599),
        action=Action.FAIL,
        reason="Permanent server error; do not retry.",
    ),
    Rule(name="unclassified", action=Action.FAIL, reason=UNMATCHED_REASON),
)
"""What HTTP itself says, for whatever a dialect's own rows leave out. Goes last."""
