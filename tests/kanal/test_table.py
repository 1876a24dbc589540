"""Kanal's decision table against its errors page (seed 000), and its error-body parser."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopbridge.core.sansio._outcome import (
    ErrorBody,
    FailureKind,
    HttpResponse,
    Outcome,
    RequestFacts,
    TransportFailure,
)
from shopbridge.core.sansio._table import decide
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource
from shopbridge.core.sansio._waits import MAX_SERVER_WAIT
from shopbridge.kanal._table import ERROR_KEYS, KANAL_TABLE, parse_error

if TYPE_CHECKING:
    from collections.abc import Mapping

NOW = 1_800_000_000.0

UPSERT = RequestFacts(method="POST", idempotent=True)
PATCH = RequestFacts(method="PATCH", idempotent=True)
DELETE = RequestFacts(method="DELETE", idempotent=True)
NOT_IDEMPOTENT = RequestFacts(method="POST", idempotent=False)

# The seed's bodies, verbatim.
VALIDATION_BODY = {
    "message": "The customer.phone field is required.",
    "errors": {"customer.phone": ["The customer.phone field is required."]},
}
RATE_LIMIT_BODY = {"message": "Too Many Attempts."}
MESSAGING_RATE_LIMIT_BODY = {"error": "Too many requests. Please slow down.", "retry_after": 60}


def response(
    status: int, data: Any = None, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """An outcome as the engine builds it: the error body parsed, except for a success."""
    error = None if 200 <= status < 300 else parse_error(status, data)
    return HttpResponse(status=status, headers=headers or {}, data=data, error=error)


def failure(kind: FailureKind) -> TransportFailure:
    return TransportFailure(kind=kind, detail="test")


def kanal(outcome: Outcome, facts: RequestFacts = UPSERT) -> Verdict:
    return decide(KANAL_TABLE, outcome, facts, now=NOW)


class Case(NamedTuple):
    outcome: Outcome
    facts: RequestFacts
    action: Action


KANAL_CASES: dict[str, Case] = {
    "kanal-201": Case(response(201, {"external_id": "ORDER-1001"}), UPSERT, Action.DONE),
    "kanal-200": Case(response(200, {"external_id": "ORDER-1001"}), PATCH, Action.DONE),
    "kanal-204": Case(response(204), DELETE, Action.DONE),
    "kanal-400": Case(
        response(400, {"error": "Missing store_id route parameter"}), UPSERT, Action.FIX_PAYLOAD
    ),
    "kanal-401": Case(response(401, {"error": "Invalid API key"}), UPSERT, Action.FIX_CREDENTIALS),
    "kanal-403": Case(
        response(403, {"error": "API key does not authorize this store"}),
        UPSERT,
        Action.FIX_CREDENTIALS,
    ),
    "kanal-404-store": Case(
        response(404, {"error": "Store not found or paused"}), UPSERT, Action.NOT_FOUND
    ),
    "kanal-404-delete": Case(response(404, {"error": "Customer not found"}), DELETE, Action.DONE),
    "kanal-404": Case(response(404, {"error": "Order not found"}), PATCH, Action.NOT_FOUND),
    "kanal-404-route": Case(response(404, {"message": "Not Found"}), UPSERT, Action.FAIL),
    "kanal-422": Case(response(422, VALIDATION_BODY), UPSERT, Action.FIX_PAYLOAD),
    "kanal-429": Case(
        response(429, RATE_LIMIT_BODY, {"retry-after": "42"}), UPSERT, Action.WAIT_RETRY_AFTER
    ),
    "kanal-5xx": Case(response(500), UPSERT, Action.BACKOFF),
    "kanal-connect": Case(failure(FailureKind.CONNECT), UPSERT, Action.BACKOFF),
    "kanal-connect-timeout": Case(failure(FailureKind.CONNECT_TIMEOUT), UPSERT, Action.BACKOFF),
    "kanal-read-timeout": Case(failure(FailureKind.READ_TIMEOUT), UPSERT, Action.BACKOFF),
    "kanal-disconnected": Case(failure(FailureKind.DISCONNECTED), PATCH, Action.BACKOFF),
}
"""One case per row of Kanal's own, with the action the seed's decision list gives."""

INHERITED_CASES: dict[str, Case] = {
    "net-read-timeout": Case(failure(FailureKind.READ_TIMEOUT), NOT_IDEMPOTENT, Action.FAIL),
    "net-disconnected": Case(failure(FailureKind.DISCONNECTED), NOT_IDEMPOTENT, Action.FAIL),
    "net-tls": Case(failure(FailureKind.TLS), UPSERT, Action.FAIL),
    "net-dns": Case(failure(FailureKind.DNS), UPSERT, Action.FAIL),
    "net-answer-too-large": Case(failure(FailureKind.ANSWER_TOO_LARGE), UPSERT, Action.FAIL),
    "http-2xx": Case(response(202), UPSERT, Action.DONE),
    "http-3xx": Case(response(301, None, {"location": "https://elsewhere/"}), UPSERT, Action.FAIL),
    "http-408": Case(response(408), UPSERT, Action.BACKOFF),
    "http-413-retry-after": Case(
        response(413, None, {"retry-after": "5"}), UPSERT, Action.WAIT_RETRY_AFTER
    ),
    "http-413": Case(response(413), UPSERT, Action.FIX_PAYLOAD),
    "http-415": Case(response(415), UPSERT, Action.FIX_PAYLOAD),
    "http-4xx": Case(
        response(405, {"message": "The GET method is not supported for route api/v1."}),
        UPSERT,
        Action.FAIL,
    ),
    "unclassified": Case(response(600), UPSERT, Action.FAIL),
}
"""The generic rows Kanal keeps, for what its docs do not cover."""


def test_every_row_of_the_kanal_table_has_a_case() -> None:
    names = [rule.name for rule in KANAL_TABLE]
    assert [name for name in names if name.startswith("kanal-")] == list(KANAL_CASES)
    assert [name for name in names if not name.startswith("kanal-")] == list(INHERITED_CASES)


@pytest.mark.parametrize("name", list(KANAL_CASES))
def test_each_kanal_row_decides_what_the_seed_says(name: str) -> None:
    case = KANAL_CASES[name]
    verdict = kanal(case.outcome, case.facts)
    assert (verdict.rule, verdict.action) == (name, case.action)
    assert verdict.reason == KANAL_TABLE[name].reason


@pytest.mark.parametrize("name", list(INHERITED_CASES))
def test_each_inherited_row_is_reachable(name: str) -> None:
    case = INHERITED_CASES[name]
    verdict = kanal(case.outcome, case.facts)
    assert (verdict.rule, verdict.action) == (name, case.action)


@pytest.mark.parametrize(
    "name",
    [
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
    ],
)
def test_the_generic_rows_kanal_replaces_are_gone(name: str) -> None:
    with pytest.raises(KeyError, match="'kanal'"):
        KANAL_TABLE[name]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (200, Action.DONE),
        (201, Action.DONE),
        (204, Action.DONE),
        (400, Action.FIX_PAYLOAD),
        (401, Action.FIX_CREDENTIALS),
        (403, Action.FIX_CREDENTIALS),
        (422, Action.FIX_PAYLOAD),
        (429, Action.WAIT_RETRY_AFTER),
        (500, Action.BACKOFF),
        (501, Action.BACKOFF),
        (502, Action.BACKOFF),
        (503, Action.BACKOFF),
        (504, Action.BACKOFF),
        (599, Action.BACKOFF),
    ],
)
def test_the_seed_status_table(status: int, action: Action) -> None:
    """Seed 000's "Status code reference", for an upsert with an unparseable body."""
    assert kanal(response(status)).action is action


@pytest.mark.parametrize(
    ("body", "facts", "rule", "action"),
    [
        ({"error": "Store not found or paused"}, UPSERT, "kanal-404-store", Action.NOT_FOUND),
        ({"error": "Store not found or paused"}, PATCH, "kanal-404-store", Action.NOT_FOUND),
        ({"error": "Store not found or paused"}, DELETE, "kanal-404-store", Action.NOT_FOUND),
        ({"message": "Not Found"}, DELETE, "kanal-404-route", Action.FAIL),
        ({"message": "Not Found"}, PATCH, "kanal-404-route", Action.FAIL),
        ({"error": "Checkout not found"}, PATCH, "kanal-404", Action.NOT_FOUND),
        ({"error": "Customer not found"}, DELETE, "kanal-404-delete", Action.DONE),
    ],
    ids=[
        "store-upsert",
        "store-patch",
        "store-delete",
        "route-delete",
        "route-patch",
        "record-patch",
        "record-delete",
    ],
)
def test_404_tells_the_store_from_the_route_from_the_record(
    body: dict[str, str], facts: RequestFacts, rule: str, action: Action
) -> None:
    verdict = kanal(response(404, body), facts)
    assert (verdict.rule, verdict.action) == (rule, action)


@pytest.mark.parametrize("kind", [FailureKind.READ_TIMEOUT, FailureKind.DISCONNECTED])
def test_an_ambiguous_failure_of_a_request_that_is_not_idempotent_is_not_retried(
    kind: FailureKind,
) -> None:
    verdict = kanal(failure(kind), NOT_IDEMPOTENT)
    assert verdict.action is Action.FAIL
    assert not verdict.retryable


def test_a_429_with_retry_after_carries_the_wait_and_its_source() -> None:
    headers = {
        "retry-after": "42",
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(NOW) + 42),
    }
    verdict = kanal(response(429, RATE_LIMIT_BODY, headers))
    assert (verdict.rule, verdict.action, verdict.wait, verdict.wait_source) == (
        "kanal-429",
        Action.WAIT_RETRY_AFTER,
        42.0,
        WaitSource.RETRY_AFTER,
    )


def test_a_429_with_only_a_body_retry_after_waits_that_long() -> None:
    verdict = kanal(response(429, MESSAGING_RATE_LIMIT_BODY))
    assert (verdict.wait, verdict.wait_source) == (60.0, WaitSource.BODY)


def test_a_429_without_a_hint_has_no_wait() -> None:
    verdict = kanal(response(429, RATE_LIMIT_BODY))
    assert verdict.action is Action.WAIT_RETRY_AFTER
    assert (verdict.wait, verdict.wait_source) == (None, None)


def test_a_5xx_with_retry_after_waits_what_the_server_said() -> None:
    verdict = kanal(response(503, None, {"retry-after": "3"}))
    assert (verdict.action, verdict.wait, verdict.wait_source) == (
        Action.BACKOFF,
        3.0,
        WaitSource.RETRY_AFTER,
    )


# parse_error


def test_parse_error_reads_the_error_shape() -> None:
    assert parse_error(403, {"error": "API key does not authorize this store"}) == ErrorBody(
        key="store_not_authorized", message="API key does not authorize this store"
    )


def test_parse_error_reads_the_laravel_validation_shape() -> None:
    error = parse_error(422, VALIDATION_BODY)
    assert error is not None
    assert (error.key, error.message) == (
        "validation_failed",
        "The customer.phone field is required.",
    )
    assert dict(error.field_errors) == {
        "customer.phone": ("The customer.phone field is required.",)
    }


def test_parse_error_reads_the_rate_limit_shape() -> None:
    assert parse_error(429, RATE_LIMIT_BODY) == ErrorBody(
        key="too_many_attempts", message="Too Many Attempts."
    )


def test_parse_error_reads_the_messaging_rate_limit_shape() -> None:
    assert parse_error(429, MESSAGING_RATE_LIMIT_BODY) == ErrorBody(
        key="too_many_requests", message="Too many requests. Please slow down.", retry_after=60
    )


@pytest.mark.parametrize(("text", "key"), sorted(ERROR_KEYS.items()))
def test_every_documented_message_gets_its_key(text: str, key: str) -> None:
    for shape in ({"error": text}, {"message": text}):
        error = parse_error(400, shape)
        assert error is not None
        assert (error.key, error.message) == (key, text)


def test_parse_error_names_405() -> None:
    body = {"message": "The GET method is not supported for route api/v1/stores/1/orders."}
    error = parse_error(405, body)
    assert error is not None
    assert (error.key, error.message) == ("method_not_allowed", body["message"])


def test_the_error_string_wins_over_the_message() -> None:
    error = parse_error(401, {"error": "Invalid API key", "message": "Unauthenticated."})
    assert error is not None
    assert (error.key, error.message) == ("api_key_invalid", "Invalid API key")


def test_an_undocumented_message_has_no_key() -> None:
    assert parse_error(400, {"error": "Malformed request"}) == ErrorBody(
        message="Malformed request"
    )


def test_any_other_kanal_404_is_the_record_not_found() -> None:
    error = parse_error(404, {"error": "Order not found"})
    assert error == ErrorBody(key="record_not_found", message="Order not found")


def test_a_404_without_kanal_s_body_is_not_a_missing_record() -> None:
    """A proxy's HTML 404 or a wrong base_url: not Kanal saying the record is gone."""
    assert parse_error(404, None) is None
    assert kanal(response(404), DELETE).rule == "kanal-404-route"
    assert kanal(response(404, {"error": "Customer not found"}), DELETE).action is Action.DONE


def test_errors_outside_a_422_are_not_field_errors() -> None:
    error = parse_error(400, {"message": "Bad.", "errors": {"x": ["y"]}})
    assert error is not None
    assert (error.key, dict(error.field_errors)) == (None, {})


def test_a_422_with_a_malformed_errors_map_is_still_read() -> None:
    error = parse_error(422, {"message": "The given data was invalid.", "errors": ["oops"]})
    assert error == ErrorBody(message="The given data was invalid.")


@pytest.mark.parametrize(
    "data", [None, [], ["error"], "Internal Server Error", 502, True], ids=repr
)
def test_a_body_that_is_not_a_json_object_is_none(data: Any) -> None:
    assert parse_error(502, data) is None


@pytest.mark.parametrize("data", [{}, {"error": 5}, {"message": ["x"]}, {"detail": "nope"}])
def test_an_object_without_a_message_gives_an_empty_error_body(data: Any) -> None:
    assert parse_error(500, data) == ErrorBody()


# decide() never raises on Kanal's table, whatever the body

JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12)),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {},
        optional={
            "error": st.one_of(st.sampled_from(sorted(ERROR_KEYS)), JSON),
            "message": st.one_of(st.sampled_from(sorted(ERROR_KEYS)), JSON),
            "errors": JSON,
            "retry_after": JSON,
        },
    ),
)
HEADERS = st.dictionaries(
    st.sampled_from(["retry-after", "retry-after-ms", "x-ratelimit-reset", "location"]),
    st.text(max_size=30),
)
FACTS = st.builds(
    RequestFacts,
    method=st.one_of(st.sampled_from(["POST", "PATCH", "DELETE", "GET"]), st.text(max_size=8)),
    idempotent=st.booleans(),
    after_ambiguous=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(
    status=st.one_of(st.integers(), st.integers(min_value=100, max_value=599)),
    data=BODIES,
    headers=HEADERS,
    facts=FACTS,
)
def test_parse_error_and_decide_never_raise(
    status: int, data: Any, headers: dict[str, str], facts: RequestFacts
) -> None:
    error = parse_error(status, data)
    assert error is None or isinstance(error, ErrorBody)
    outcome = HttpResponse(status=status, headers=headers, data=data, error=error)
    verdict = kanal(outcome, facts)
    assert isinstance(verdict, Verdict)
    assert verdict.rule in {rule.name for rule in KANAL_TABLE}
    assert verdict.status == status
    if verdict.wait is not None:
        assert 0.0 <= verdict.wait <= MAX_SERVER_WAIT


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from(FailureKind), facts=FACTS)
def test_decide_never_raises_on_a_network_failure(kind: FailureKind, facts: RequestFacts) -> None:
    verdict = kanal(failure(kind), facts)
    assert verdict.rule in {rule.name for rule in KANAL_TABLE}
    assert verdict.status is None
    assert verdict.action in {Action.BACKOFF, Action.FAIL}
