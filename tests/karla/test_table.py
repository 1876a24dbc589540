"""Karla's decision table, row by row, against the errors page (seed 002) and spec §1.3/§4.3."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopbridge.core.sansio._outcome import (
    ErrorBody,
    FailureKind,
    HttpResponse,
    RequestFacts,
    TransportFailure,
)
from shopbridge.core.sansio._table import decide, is_ambiguous
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource
from shopbridge.core.sansio._waits import MAX_SERVER_WAIT
from shopbridge.karla import ERROR_KEYS, KARLA_TABLE, parse_error

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from shopbridge.core.sansio._outcome import Outcome

NOW = 1_700_000_000.0

# Seed 002, copied by hand so that the table is checked against the page, not against itself.
# The page gives the api_error keys no status; these are the ones spec §3.3 presumes.
SEED_STATUS: dict[str, int] = {
    "campaign_type_invalid": 422,
    "carrier_reference_invalid": 422,
    "zip_code_invalid": 422,
    "announcement_not_found": 404,
    "campaign_not_found": 404,
    "campaign_product_not_found": 404,
    "discount_not_found": 404,
    "klaviyo_key_not_found": 404,
    "order_not_found": 404,
    "shipment_not_found": 404,
    "shop_not_found": 404,
    "shop_settings_not_found": 404,
    "webhook_not_found": 404,
    "announcement_exists": 409,
    "campaign_exists": 409,
    "campaign_active_segment_exists": 409,
    "order_exists": 409,
    "shipment_exists": 409,
    "shop_exists": 409,
    "voucher_exists": 409,
    "image_media_unsupported": 415,
    "bad_gateway": 502,
    "service_not_implemented": 501,
    "unexpected": 500,
}
FAMILY_ACTION = {
    422: Action.FIX_PAYLOAD,
    404: Action.NOT_FOUND,
    409: Action.CONFLICT,
    415: Action.FIX_PAYLOAD,
}
SERVER_KEY_ACTION = {
    "bad_gateway": Action.BACKOFF,
    "service_not_implemented": Action.FAIL,
    "unexpected": Action.BACKOFF,
}
# `campaign_active_segment_exists` may name another campaign: never resolved by a retry.
RESOLVED_WHEN_RETRIED = sorted(
    key
    for key, status in SEED_STATUS.items()
    if status == 409 and key != "campaign_active_segment_exists"
)

CREATE = RequestFacts(method="POST", idempotent=False, create=True)
RETRIED_CREATE = RequestFacts(method="POST", idempotent=False, create=True, after_ambiguous=True)
# A POST that nothing dedupes: POST /shipments/{id}/events, product pushes.
EVENT = RequestFacts(method="POST", idempotent=False)
RETRIED_EVENT = RequestFacts(method="POST", idempotent=False, after_ambiguous=True)
DELETE = RequestFacts(method="DELETE", idempotent=True)
RETRIED_DELETE = RequestFacts(method="DELETE", idempotent=True, after_ambiguous=True)
GONE_WHEN_RETRIED = [
    "announcement_not_found",
    "campaign_not_found",
    "discount_not_found",
    "webhook_not_found",
]
# Every path but /v1/shops is scoped by the slug: a missing shop stops everything, like a key.
KEY_ACTION_OVERRIDES = {"shop_not_found": Action.FIX_CREDENTIALS}
UPSERT = RequestFacts(method="PUT", idempotent=True)
RETRIED_UPSERT = RequestFacts(method="PUT", idempotent=True, after_ambiguous=True)
GET = RequestFacts(method="GET", idempotent=True)


def seed_action(key: str) -> Action:
    if key in KEY_ACTION_OVERRIDES:
        return KEY_ACTION_OVERRIDES[key]
    status = SEED_STATUS[key]
    return SERVER_KEY_ACTION[key] if status >= 500 else FAMILY_ACTION[status]


def envelope(key: str | None, status: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "errors": [],
        "key": key,
        "message": "something about it",
        "type": "api_error" if status >= 500 else "invalid_request_error",
    }
    return body | extra


def response(
    status: int, data: Any = None, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """An outcome as the engine builds it: the body parsed, except for a success."""
    error = None if 200 <= status < 300 else parse_error(status, data)
    return HttpResponse(status=status, headers=headers or {}, data=data, error=error)


def failure(kind: FailureKind) -> TransportFailure:
    return TransportFailure(kind=kind, detail="test")


def decide_karla(outcome: Outcome, facts: RequestFacts) -> Verdict:
    return decide(KARLA_TABLE, outcome, facts, now=NOW)


class Case(NamedTuple):
    rule: str
    outcome: Outcome
    facts: RequestFacts
    action: Action


def _key_cases() -> Iterator[Case]:
    for key in RESOLVED_WHEN_RETRIED:
        yield Case(
            f"karla-{key}-retried",
            response(409, envelope(key, 409)),
            RETRIED_CREATE,
            Action.ALREADY_EXISTED,
        )
    for key in GONE_WHEN_RETRIED:
        yield Case(
            f"karla-{key}-delete-retried",
            response(404, envelope(key, 404)),
            RETRIED_DELETE,
            Action.DONE,
        )
    for name, outcome in (
        ("500", response(500, envelope("unexpected", 500))),
        ("502", response(502, envelope("bad_gateway", 502))),
        ("504", response(504)),
        ("read-timeout", failure(FailureKind.READ_TIMEOUT)),
        ("disconnected", failure(FailureKind.DISCONNECTED)),
    ):
        yield Case(f"karla-{name}-not-deduplicated", outcome, EVENT, Action.FAIL)
    for key, status in SEED_STATUS.items():
        yield Case(
            f"karla-{key}", response(status, envelope(key, status)), CREATE, seed_action(key)
        )


FASTAPI_422 = {"detail": [{"loc": ["body", "id"], "msg": "Field required", "type": "missing"}]}

CASES: tuple[Case, ...] = (
    Case("karla-2xx", response(201, {"uuid": "0b1c"}), CREATE, Action.DONE),
    *_key_cases(),
    Case(
        "karla-400",
        response(400, envelope(None, 400, message="invalid request")),
        GET,
        Action.FIX_CREDENTIALS,
    ),
    Case("karla-401", response(401, {"detail": "Not authenticated"}), GET, Action.FIX_CREDENTIALS),
    Case("karla-403", response(403), UPSERT, Action.FIX_CREDENTIALS),
    Case(
        "karla-404-delete-retried",
        response(404, {"detail": "Claim not found"}),
        RETRIED_DELETE,
        Action.DONE,
    ),
    Case("karla-404", response(404, {"detail": "Not Found"}), GET, Action.NOT_FOUND),
    Case(
        "karla-409-create-retried",
        response(409, {"detail": "A Shopify webhook of this type exists"}),
        RETRIED_CREATE,
        Action.ALREADY_EXISTED,
    ),
    Case("karla-409", response(409, envelope(None, 409)), CREATE, Action.CONFLICT),
    Case(
        "karla-415", response(415, {"detail": "Unsupported Media Type"}), CREATE, Action.FIX_PAYLOAD
    ),
    Case("karla-422", response(422, FASTAPI_422), UPSERT, Action.FIX_PAYLOAD),
    Case("karla-429", response(429, headers={"retry-after": "2"}), CREATE, Action.WAIT_RETRY_AFTER),
    Case("karla-500", response(500), CREATE, Action.BACKOFF),
    Case("karla-501", response(501, envelope(None, 501)), GET, Action.FAIL),
    Case("karla-502", response(502, "<html>bad gateway</html>"), CREATE, Action.BACKOFF),
    Case("karla-503", response(503), CREATE, Action.BACKOFF),
    Case("karla-504", response(504), UPSERT, Action.BACKOFF),
    Case("karla-5xx", response(507), UPSERT, Action.FAIL),
    Case("karla-read-timeout", failure(FailureKind.READ_TIMEOUT), CREATE, Action.BACKOFF),
    Case("karla-disconnected", failure(FailureKind.DISCONNECTED), CREATE, Action.BACKOFF),
    Case("net-connect", failure(FailureKind.CONNECT), CREATE, Action.BACKOFF),
    Case("net-connect-timeout", failure(FailureKind.CONNECT_TIMEOUT), CREATE, Action.BACKOFF),
    Case("net-tls", failure(FailureKind.TLS), UPSERT, Action.FAIL),
    Case("net-dns", failure(FailureKind.DNS), UPSERT, Action.FAIL),
    Case("net-answer-too-large", failure(FailureKind.ANSWER_TOO_LARGE), UPSERT, Action.FAIL),
    Case("http-3xx", response(301, headers={"location": "https://x"}), GET, Action.FAIL),
    Case("http-408", response(408), CREATE, Action.BACKOFF),
    Case(
        "http-413-retry-after",
        response(413, headers={"retry-after": "5"}),
        UPSERT,
        Action.WAIT_RETRY_AFTER,
    ),
    Case("http-413", response(413), UPSERT, Action.FIX_PAYLOAD),
    Case("http-4xx", response(405, {"detail": "Method Not Allowed"}), GET, Action.FAIL),
    Case("unclassified", response(102), GET, Action.FAIL),
)


@pytest.mark.parametrize(
    ("rule", "outcome", "facts", "action"), [pytest.param(*c, id=c.rule) for c in CASES]
)
def test_each_row_decides_the_outcome_it_is_for(
    rule: str, outcome: Outcome, facts: RequestFacts, action: Action
) -> None:
    verdict = decide_karla(outcome, facts)

    assert (verdict.action, verdict.rule) == (action, rule)
    assert verdict.action is KARLA_TABLE[rule].action
    assert verdict.reason == KARLA_TABLE[rule].reason


def test_every_row_has_exactly_one_case() -> None:
    counts = Counter(case.rule for case in CASES)

    assert sorted(counts) == sorted(rule.name for rule in KARLA_TABLE)
    assert set(counts.values()) == {1}


def test_karla_rows_are_prefixed_and_generic_rows_kept_only_where_karla_is_silent() -> None:
    own = [rule.name for rule in KARLA_TABLE if rule.name.startswith("karla-")]
    generic = [rule.name for rule in KARLA_TABLE if not rule.name.startswith("karla-")]

    assert KARLA_TABLE.name == "karla"
    assert own == [rule.name for rule in KARLA_TABLE][: len(own)]
    assert generic == [
        "net-connect",
        "net-connect-timeout",
        "net-tls",
        "net-dns",
        "net-answer-too-large",
        "http-3xx",
        "http-408",
        "http-413-retry-after",
        "http-413",
        "http-4xx",
        "unclassified",
    ]


def _probes() -> Iterator[tuple[Outcome, RequestFacts]]:
    facts = [
        RequestFacts(method=method, idempotent=idempotent, after_ambiguous=after, create=create)
        for method in ("POST", "PUT", "DELETE")
        for idempotent in (False, True)
        for after in (False, True)
        for create in (False, True)
    ]
    keys = [None, "undocumented_key", *SEED_STATUS]
    for status in range(100, 601):
        for key in keys:
            for headers in ({}, {"retry-after": "1"}):
                error = None if key is None else ErrorBody(key=key)
                outcome = HttpResponse(status=status, headers=headers, error=error)
                for fact in facts:
                    yield outcome, fact
    for kind in FailureKind:
        for fact in facts:
            yield TransportFailure(kind=kind), fact


def test_every_row_is_reachable() -> None:
    """No row is shadowed by the rows above it: each is the first match for some outcome."""
    fired = {
        rule.name
        for outcome, facts in _probes()
        if (rule := KARLA_TABLE.match(outcome, facts)) is not None
    }

    assert [rule.name for rule in KARLA_TABLE if rule.name not in fired] == []


def test_every_seed_key_has_exactly_one_row_with_its_status_family() -> None:
    for key, status in SEED_STATUS.items():
        rows = [
            rule
            for rule in KARLA_TABLE
            if rule.key == key and not rule.after_ambiguous and rule.create is None
        ]

        assert len(rows) == 1, key
        (row,) = rows
        assert row.status is None, key  # the key decides, whatever status it comes with
        assert row.action is seed_action(key), key
        # The key's row agrees with what the bare status of its family means.
        if key not in KEY_ACTION_OVERRIDES:
            assert row.action is decide_karla(response(status), CREATE).action, key


def test_table_knows_no_key_beyond_the_seed() -> None:
    keys = {rule.key for rule in KARLA_TABLE if rule.key is not None}

    assert keys == set(SEED_STATUS)


def test_error_keys_are_the_seed_page() -> None:
    assert list(ERROR_KEYS) == list(SEED_STATUS)
    for key, error in ERROR_KEYS.items():
        assert error.key == key
        assert error.status == SEED_STATUS[key]
        assert error.type == ("api_error" if error.status >= 500 else "invalid_request_error")
        assert error.message.endswith(".")


def test_reasons_quote_the_seed_and_say_whether_to_retry() -> None:
    for key, error in ERROR_KEYS.items():
        reason = KARLA_TABLE[f"karla-{key}"].reason

        assert reason.lower().startswith(error.message.rstrip(".").lower()), key
        retries = KARLA_TABLE[f"karla-{key}"].action.retryable
        assert ("do not retry" in reason) is not retries, key


@pytest.mark.parametrize("key", RESOLVED_WHEN_RETRIED)
def test_409_exists_on_a_create_retried_after_an_ambiguous_failure_already_existed(
    key: str,
) -> None:
    outcome = response(409, envelope(key, 409))

    retried = decide_karla(outcome, RETRIED_CREATE)
    first_try = decide_karla(outcome, CREATE)
    upsert = decide_karla(outcome, UPSERT)
    retried_upsert = decide_karla(outcome, RETRIED_UPSERT)

    assert (retried.action, retried.rule) == (Action.ALREADY_EXISTED, f"karla-{key}-retried")
    assert retried.succeeded
    assert not retried.retryable
    assert "already existed" in retried.reason
    assert (first_try.action, first_try.rule) == (Action.CONFLICT, f"karla-{key}")
    assert (upsert.action, upsert.rule) == (Action.CONFLICT, f"karla-{key}")
    assert retried_upsert.action is Action.CONFLICT
    assert not first_try.succeeded


def test_active_segment_conflict_is_not_resolved_by_a_retry() -> None:
    outcome = response(409, envelope("campaign_active_segment_exists", 409))

    verdict = decide_karla(outcome, RETRIED_CREATE)

    assert (verdict.action, verdict.rule) == (
        Action.CONFLICT,
        "karla-campaign_active_segment_exists",
    )
    assert "another campaign" in verdict.reason


AMBIGUOUS = [
    pytest.param(failure(FailureKind.READ_TIMEOUT), id="read-timeout"),
    pytest.param(failure(FailureKind.DISCONNECTED), id="disconnected"),
    pytest.param(response(500, envelope("unexpected", 500)), id="500-unexpected"),
    pytest.param(response(502, envelope("bad_gateway", 502)), id="502-bad_gateway"),
    pytest.param(response(504), id="504"),
]


@pytest.mark.parametrize("first", AMBIGUOUS)
def test_create_is_retried_after_an_ambiguous_failure_and_its_409_already_existed(
    first: Outcome,
) -> None:
    """The engine's sequence: an ambiguous failure backs off, and marks the retry as such."""
    first_verdict = decide_karla(first, CREATE)
    retry_facts = RequestFacts(
        method="POST", idempotent=False, create=True, after_ambiguous=is_ambiguous(first)
    )
    second = decide_karla(response(409, envelope("order_exists", 409)), retry_facts)

    assert first_verdict.action is Action.BACKOFF
    assert "already existed" in first_verdict.reason
    assert second.action is Action.ALREADY_EXISTED


@pytest.mark.parametrize(
    "first",
    [
        pytest.param(failure(FailureKind.CONNECT), id="connect"),
        pytest.param(failure(FailureKind.CONNECT_TIMEOUT), id="connect-timeout"),
        pytest.param(response(503), id="503"),
        pytest.param(response(429), id="429"),
    ],
)
def test_create_retried_after_a_failure_that_applied_nothing_meets_a_real_conflict(
    first: Outcome,
) -> None:
    first_verdict = decide_karla(first, CREATE)
    retry_facts = RequestFacts(
        method="POST", idempotent=False, create=True, after_ambiguous=is_ambiguous(first)
    )
    second = decide_karla(response(409, envelope("order_exists", 409)), retry_facts)

    assert first_verdict.retryable
    assert second.action is Action.CONFLICT


@pytest.mark.parametrize(
    ("status", "key", "action"),
    [
        pytest.param(400, "zip_code_invalid", Action.FIX_PAYLOAD, id="400-zip_code_invalid"),
        pytest.param(422, "order_not_found", Action.NOT_FOUND, id="422-order_not_found"),
        pytest.param(503, "unexpected", Action.BACKOFF, id="503-unexpected"),
        pytest.param(500, "service_not_implemented", Action.FAIL, id="500-not-implemented"),
        pytest.param(400, "order_exists", Action.CONFLICT, id="400-order_exists"),
    ],
)
def test_a_key_decides_whatever_status_it_comes_with(status: int, key: str, action: Action) -> None:
    verdict = decide_karla(response(status, envelope(key, status)), CREATE)

    assert (verdict.action, verdict.rule) == (action, f"karla-{key}")


def test_success_wins_over_a_key_in_the_body() -> None:
    outcome = HttpResponse(status=200, error=ErrorBody(key="order_exists"))

    assert decide_karla(outcome, CREATE).action is Action.DONE


def test_undocumented_key_falls_back_to_the_status() -> None:
    verdict = decide_karla(response(404, envelope("route_not_found", 404)), GET)

    assert (verdict.action, verdict.rule) == (Action.NOT_FOUND, "karla-404")


def test_bad_credentials_400_stops_and_asks_for_credentials() -> None:
    verdict = decide_karla(response(400, {"detail": "invalid request"}), UPSERT)

    assert verdict.action is Action.FIX_CREDENTIALS
    assert not verdict.retryable
    assert "credentials" in verdict.reason


@pytest.mark.parametrize(
    ("headers", "body", "wait", "source"),
    [
        pytest.param({"retry-after": "7"}, None, 7.0, WaitSource.RETRY_AFTER, id="header"),
        pytest.param({}, {"retry_after": 3}, 3.0, WaitSource.BODY, id="body"),
        pytest.param({}, None, None, None, id="none-so-backoff"),
        pytest.param({"retry-after": "soon"}, None, None, None, id="junk-so-backoff"),
    ],
)
def test_429_honours_the_servers_wait_if_any(
    headers: dict[str, str], body: Any, wait: float | None, source: WaitSource | None
) -> None:
    verdict = decide_karla(response(429, body, headers), CREATE)

    assert verdict.action is Action.WAIT_RETRY_AFTER
    assert (verdict.wait, verdict.wait_source) == (wait, source)


def test_to_markdown_has_one_line_per_rule() -> None:
    lines = KARLA_TABLE.to_markdown().splitlines()

    assert lines[:2] == [
        "| # | Rule | When | Action | Retried | Reason |",
        "|---|---|---|---|---|---|",
    ]
    assert len(lines) == 2 + len(KARLA_TABLE)
    for number, (line, rule) in enumerate(zip(lines[2:], KARLA_TABLE, strict=True), start=1):
        assert line.startswith(f"| {number} | `{rule.name}` |")
        assert f"`{rule.action.name}`" in line


_METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]) | st.text(max_size=6)
_FACTS = st.builds(
    RequestFacts,
    method=_METHODS,
    idempotent=st.booleans(),
    after_ambiguous=st.booleans(),
    create=st.booleans(),
)
_KEYS = st.none() | st.sampled_from(sorted(SEED_STATUS)) | st.text(max_size=20)
_HINTS = st.none() | st.integers() | st.floats() | st.text(max_size=12)
_HEADERS = st.dictionaries(
    st.sampled_from(["retry-after", "retry-after-ms", "x-ratelimit-reset", "location"]),
    st.text(max_size=16),
)
_ERRORS = st.none() | st.builds(
    ErrorBody,
    key=_KEYS,
    message=st.none() | st.text(max_size=20),
    retry_after=_HINTS,
    type=st.none() | st.sampled_from(["api_error", "invalid_request_error"]),
)
_RESPONSES = st.builds(
    HttpResponse,
    status=st.integers(min_value=-1, max_value=1000),
    headers=_HEADERS,
    error=_ERRORS,
)
_FAILURES = st.builds(
    TransportFailure, kind=st.sampled_from(FailureKind), detail=st.text(max_size=8)
)


@given(outcome=_RESPONSES | _FAILURES, facts=_FACTS, now=st.floats(0, 4e9))
def test_decide_always_returns_a_verdict_from_a_row(
    outcome: Outcome, facts: RequestFacts, now: float
) -> None:
    verdict = decide(KARLA_TABLE, outcome, facts, now=now)

    assert isinstance(verdict, Verdict)
    assert verdict.action is KARLA_TABLE[verdict.rule].action  # never "unmatched"/"decide-error"
    if verdict.wait is not None:
        assert 0.0 <= verdict.wait <= MAX_SERVER_WAIT


@pytest.mark.parametrize("first", AMBIGUOUS)
def test_a_post_that_nothing_dedupes_is_not_resent_after_an_ambiguous_failure(
    first: Outcome,
) -> None:
    verdict = decide_karla(first, EVENT)

    assert verdict.action is Action.FAIL
    assert not verdict.retryable
    assert "does not deduplicate" in verdict.reason
    assert decide_karla(first, UPSERT).action is Action.BACKOFF
    assert decide_karla(first, CREATE).action is Action.BACKOFF


@pytest.mark.parametrize(
    "first",
    [
        pytest.param(failure(FailureKind.CONNECT), id="connect"),
        pytest.param(response(503), id="503"),
        pytest.param(response(429), id="429"),
    ],
)
def test_a_post_that_nothing_dedupes_is_resent_when_nothing_was_applied(first: Outcome) -> None:
    assert decide_karla(first, EVENT).retryable


def test_a_409_on_a_retried_post_that_is_not_a_create_is_a_conflict() -> None:
    verdict = decide_karla(response(409, envelope("shipment_exists", 409)), RETRIED_EVENT)

    assert verdict.action is Action.CONFLICT


@pytest.mark.parametrize("key", GONE_WHEN_RETRIED)
def test_a_retried_delete_that_meets_404_is_already_gone(key: str) -> None:
    outcome = response(404, envelope(key, 404))

    retried = decide_karla(outcome, RETRIED_DELETE)
    first_try = decide_karla(outcome, DELETE)

    assert (retried.action, retried.rule) == (Action.DONE, f"karla-{key}-delete-retried")
    assert "already gone" in retried.reason
    assert (first_try.action, first_try.rule) == (Action.NOT_FOUND, f"karla-{key}")


def test_a_retried_delete_that_meets_shop_not_found_still_stops() -> None:
    verdict = decide_karla(response(404, envelope("shop_not_found", 404)), RETRIED_DELETE)

    assert verdict.action is Action.FIX_CREDENTIALS


def test_shop_not_found_stops_like_credentials_do() -> None:
    verdict = decide_karla(response(404, envelope("shop_not_found", 404)), UPSERT)

    assert (verdict.action, verdict.rule) == (Action.FIX_CREDENTIALS, "karla-shop_not_found")
    assert "shop slug" in verdict.reason
