"""The decision table: the generic rows one by one, rule semantics, table editing, decide()."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from shopbridge.core.sansio._http_rules import GENERIC_HTTP_RULES, NETWORK_RULES
from shopbridge.core.sansio._outcome import (
    ErrorBody,
    FailureKind,
    HttpResponse,
    Outcome,
    RequestFacts,
    TransportFailure,
)
from shopbridge.core.sansio._table import (
    DecisionTable,
    Rule,
    chain,
    decide,
    is_ambiguous,
)
from shopbridge.core.sansio._verdict import Action, Verdict, WaitSource
from shopbridge.core.sansio._waits import MAX_SERVER_WAIT

NOW = 1_800_000_000.0

GENERIC = DecisionTable("generic", chain(NETWORK_RULES, GENERIC_HTTP_RULES))

UPSERT = RequestFacts(method="POST", idempotent=True)
CREATE = RequestFacts(method="POST", idempotent=False)
RETRIED_CREATE = RequestFacts(method="POST", idempotent=False, after_ambiguous=True)
DELETE = RequestFacts(method="DELETE", idempotent=True)


def response(
    status: int, headers: Mapping[str, str] | None = None, error: ErrorBody | None = None
) -> HttpResponse:
    return HttpResponse(status=status, headers=headers or {}, error=error)


def failure(kind: FailureKind) -> TransportFailure:
    return TransportFailure(kind=kind, detail="test")


class Case(NamedTuple):
    outcome: Outcome
    facts: RequestFacts


ROW_CASES: dict[str, Case] = {
    "net-connect": Case(failure(FailureKind.CONNECT), CREATE),
    "net-connect-timeout": Case(failure(FailureKind.CONNECT_TIMEOUT), CREATE),
    "net-read-timeout-idempotent": Case(failure(FailureKind.READ_TIMEOUT), UPSERT),
    "net-read-timeout": Case(failure(FailureKind.READ_TIMEOUT), CREATE),
    "net-disconnected-idempotent": Case(failure(FailureKind.DISCONNECTED), UPSERT),
    "net-disconnected": Case(failure(FailureKind.DISCONNECTED), CREATE),
    "net-tls": Case(failure(FailureKind.TLS), UPSERT),
    "net-dns": Case(failure(FailureKind.DNS), UPSERT),
    "net-answer-too-large": Case(failure(FailureKind.ANSWER_TOO_LARGE), UPSERT),
    "http-2xx": Case(response(202), CREATE),
    "http-3xx": Case(response(302, {"location": "https://elsewhere.example/"}), UPSERT),
    "http-408": Case(response(408), CREATE),
    "http-413-retry-after": Case(response(413, {"retry-after": "30"}), UPSERT),
    "http-413": Case(response(413), UPSERT),
    "http-415": Case(response(415), UPSERT),
    "http-429": Case(response(429), CREATE),
    "http-4xx": Case(response(418), UPSERT),
    "http-501": Case(response(501), UPSERT),
    "http-503": Case(response(503), CREATE),
    "http-5xx-ambiguous-idempotent": Case(response(502), UPSERT),
    "http-5xx-ambiguous": Case(response(502), CREATE),
    "http-5xx": Case(response(505), UPSERT),
    "unclassified": Case(response(600), UPSERT),
}


def test_every_generic_row_has_a_case() -> None:
    assert list(ROW_CASES) == [rule.name for rule in GENERIC]


@pytest.mark.parametrize("rule", list(GENERIC), ids=lambda rule: rule.name)
def test_each_generic_row_decides_the_outcome_it_is_for(rule: Rule) -> None:
    case = ROW_CASES[rule.name]
    verdict = decide(GENERIC, case.outcome, case.facts, now=NOW)
    assert (verdict.rule, verdict.action) == (rule.name, rule.action)
    assert verdict.reason == rule.reason


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (500, Action.BACKOFF),
        (504, Action.BACKOFF),
        (503, Action.BACKOFF),
        (501, Action.FAIL),
        (599, Action.FAIL),
        (200, Action.DONE),
        (299, Action.DONE),
        (400, Action.FAIL),
        (499, Action.FAIL),
    ],
)
def test_generic_status_ranges_for_an_idempotent_request(status: int, action: Action) -> None:
    assert decide(GENERIC, response(status), UPSERT, now=NOW).action is action


@pytest.mark.parametrize("status", [0, -1, 99, 600, 999, 10**12])
def test_a_status_outside_http_is_unclassified(status: int) -> None:
    verdict = decide(GENERIC, response(status), UPSERT, now=NOW)
    assert (verdict.rule, verdict.action, verdict.status) == ("unclassified", Action.FAIL, status)


def test_only_the_first_matching_row_decides() -> None:
    table = DecisionTable(
        "t",
        [
            Rule(name="first", status=500, action=Action.FAIL, reason="first"),
            Rule(name="second", status=(500, 599), action=Action.BACKOFF, reason="second"),
        ],
    )
    assert decide(table, response(500), UPSERT, now=NOW).rule == "first"
    assert decide(table, response(502), UPSERT, now=NOW).rule == "second"


def test_without_a_matching_row_the_verdict_is_fail_unmatched() -> None:
    table = DecisionTable("t", [Rule(name="ok", status=200, action=Action.DONE, reason="ok")])
    verdict = decide(table, response(503), UPSERT, now=NOW)
    assert (verdict.action, verdict.rule, verdict.status) == (Action.FAIL, "unmatched", 503)
    assert decide(table, failure(FailureKind.DNS), UPSERT, now=NOW).rule == "unmatched"


def test_the_generic_rows_alone_leave_a_network_failure_unclassified() -> None:
    table = DecisionTable("http-only", GENERIC_HTTP_RULES)
    verdict = decide(table, failure(FailureKind.CONNECT), UPSERT, now=NOW)
    assert (verdict.rule, verdict.action, verdict.status) == ("unclassified", Action.FAIL, None)


# Rule conditions


def one_row(**when: Any) -> DecisionTable:
    return DecisionTable("t", [Rule(name="row", action=Action.FAIL, reason="test", **when)])


def matches(table: DecisionTable, outcome: Outcome, facts: RequestFacts) -> bool:
    return table.match(outcome, facts) is not None


def test_method_condition_is_upper_cased_and_compared() -> None:
    table = one_row(method="delete", status=404)
    assert table["row"].method == "DELETE"
    assert matches(table, response(404), DELETE)
    assert not matches(table, response(404), UPSERT)


@pytest.mark.parametrize(
    ("idempotent", "facts", "expected"),
    [
        (True, UPSERT, True),
        (True, CREATE, False),
        (False, CREATE, True),
        (False, UPSERT, False),
        (None, UPSERT, True),
        (None, CREATE, True),
    ],
)
def test_idempotent_condition(idempotent: bool | None, facts: RequestFacts, expected: bool) -> None:
    assert matches(one_row(status=500, idempotent=idempotent), response(500), facts) is expected


@pytest.mark.parametrize(
    ("after_ambiguous", "facts", "expected"),
    [
        (True, RETRIED_CREATE, True),
        (True, CREATE, False),
        (False, CREATE, True),
        (False, RETRIED_CREATE, False),
        (None, RETRIED_CREATE, True),
    ],
)
def test_after_ambiguous_condition(
    after_ambiguous: bool | None, facts: RequestFacts, expected: bool
) -> None:
    table = one_row(status=409, after_ambiguous=after_ambiguous)
    assert matches(table, response(409), facts) is expected


def test_key_condition_needs_a_parsed_body_with_that_key() -> None:
    table = one_row(status=404, key="store_not_found")
    assert matches(table, response(404, error=ErrorBody(key="store_not_found")), UPSERT)
    assert not matches(table, response(404, error=ErrorBody(key="other")), UPSERT)
    assert not matches(table, response(404, error=ErrorBody()), UPSERT)
    assert not matches(table, response(404), UPSERT)


def test_key_condition_alone_matches_any_status_with_that_key() -> None:
    table = one_row(key="too_many_attempts")
    assert matches(table, response(429, error=ErrorBody(key="too_many_attempts")), UPSERT)
    assert matches(table, response(503, error=ErrorBody(key="too_many_attempts")), UPSERT)


def test_header_condition_is_presence_case_insensitively() -> None:
    table = one_row(header="Retry-After")
    assert table["row"].header == "retry-after"
    assert matches(table, response(413, {"retry-after": "junk"}), UPSERT)
    cased = CIMultiDictProxy(CIMultiDict({"Retry-After": "5"}))
    assert matches(table, response(413, cased), UPSERT)
    assert not matches(table, response(413, {"x-other": "5"}), UPSERT)


def test_a_failure_row_never_matches_a_response() -> None:
    table = one_row(failure=FailureKind.CONNECT)
    assert not matches(table, response(500), UPSERT)
    assert matches(table, failure(FailureKind.CONNECT), UPSERT)
    assert not matches(table, failure(FailureKind.DNS), UPSERT)


@pytest.mark.parametrize(
    "when",
    [{"status": 500}, {"status": (100, 599)}, {"key": "k"}, {"header": "retry-after"}],
    ids=["status", "range", "key", "header"],
)
def test_a_response_row_never_matches_a_failure(when: dict[str, Any]) -> None:
    table = one_row(**when)
    for kind in FailureKind:
        assert not matches(table, failure(kind), UPSERT)


def test_a_row_without_outcome_conditions_matches_both() -> None:
    table = one_row(method="POST")
    assert matches(table, response(777), UPSERT)
    assert matches(table, failure(FailureKind.TLS), UPSERT)
    assert not matches(table, failure(FailureKind.TLS), DELETE)


@pytest.mark.parametrize(
    ("status_range", "status", "expected"),
    [
        ((500, 599), 500, True),
        ((500, 599), 599, True),
        ((500, 599), 499, False),
        ((500, 599), 600, False),
        ((600, 699), 650, True),
        ((0, 99), 42, True),
        ((0, 99), 100, False),
        (404, 404, True),
        (404, 405, False),
        ((1000, 10**6), 5000, True),
    ],
)
def test_status_condition_is_an_inclusive_range(
    status_range: int | tuple[int, int], status: int, expected: bool
) -> None:
    assert matches(one_row(status=status_range), response(status), UPSERT) is expected


def test_an_empty_status_range_is_refused() -> None:
    with pytest.raises(ValueError, match="low to high"):
        Rule(name="bad", status=(599, 500), action=Action.FAIL, reason="bad")


# Editing tables

EXTRA = Rule(name="extra-500", status=500, action=Action.FAIL, reason="ours")


def test_prepend_puts_rows_first() -> None:
    table = GENERIC.prepend(EXTRA)
    assert [rule.name for rule in table][:2] == ["extra-500", "net-connect"]
    assert len(table) == len(GENERIC) + 1
    assert decide(table, response(500), UPSERT, now=NOW).rule == "extra-500"
    assert decide(GENERIC, response(500), UPSERT, now=NOW).rule != "extra-500"


def test_replace_keeps_the_row_in_its_place() -> None:
    new = Rule(name="mine-503", status=503, action=Action.FAIL, reason="ours")
    table = GENERIC.replace("http-503", new)
    names = [rule.name for rule in table]
    assert names.index("mine-503") == [rule.name for rule in GENERIC].index("http-503")
    assert "http-503" not in names
    assert decide(table, response(503), UPSERT, now=NOW).rule == "mine-503"


def test_without_drops_rows() -> None:
    table = GENERIC.without("http-503", "http-408")
    assert len(table) == len(GENERIC) - 2
    assert decide(table, response(503), UPSERT, now=NOW).rule == "http-5xx-ambiguous-idempotent"
    assert decide(table, response(408), UPSERT, now=NOW).rule == "http-4xx"


def test_editing_keeps_the_table_name_and_leaves_the_original_alone() -> None:
    before = list(GENERIC)
    for edited in (
        GENERIC.prepend(EXTRA),
        GENERIC.replace("http-503", EXTRA),
        GENERIC.without("http-503"),
    ):
        assert edited.name == "generic"
    assert list(GENERIC) == before


def test_getitem_finds_a_row_by_name() -> None:
    assert GENERIC["http-429"].action is Action.WAIT_RETRY_AFTER


@pytest.mark.parametrize(
    "edit",
    [
        lambda table: table["no-such-row"],
        lambda table: table.replace("no-such-row", EXTRA),
        lambda table: table.without("http-503", "no-such-row"),
    ],
    ids=["getitem", "replace", "without"],
)
def test_an_unknown_row_name_is_a_key_error_naming_the_table(edit: Any) -> None:
    with pytest.raises(KeyError, match=r"decision table 'generic' has no rule named 'no-such-row'"):
        edit(GENERIC)


def test_duplicate_row_names_are_refused() -> None:
    with pytest.raises(ValueError, match=r"'dup'.*duplicate rule names: \['extra-500'\]"):
        DecisionTable("dup", [EXTRA, EXTRA])
    with pytest.raises(ValueError, match="duplicate rule names: \\['http-429'\\]"):
        GENERIC.prepend(GENERIC["http-429"])


def test_to_markdown_prints_one_line_per_row() -> None:
    lines = GENERIC.to_markdown().splitlines()
    assert lines[0] == "| # | Rule | When | Action | Retried | Reason |"
    assert len(lines) == 2 + len(GENERIC)
    for number, (line, rule) in enumerate(zip(lines[2:], GENERIC, strict=True), start=1):
        assert line.startswith(f"| {number} | `{rule.name}` | ")
        assert f"`{rule.action.name}`" in line
        assert ("| yes |" in line) is rule.action.retryable


def test_to_markdown_escapes_pipes_in_reasons() -> None:
    table = DecisionTable(
        "t", [Rule(name="pipe", status=500, action=Action.FAIL, reason="this | that")]
    )
    row = table.to_markdown().splitlines()[2]
    assert "this \\| that" in row
    assert row.replace("\\|", "").count("|") == 7


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("http-2xx", "2xx"),
        ("http-5xx", "505-599"),
        ("http-413-retry-after", "413 · with `retry-after`"),
        ("net-read-timeout-idempotent", "read timeout · idempotent"),
        ("unclassified", "anything else"),
    ],
)
def test_rows_describe_their_conditions(name: str, text: str) -> None:
    assert GENERIC[name].describe_condition() == text


def test_a_full_condition_reads_in_order() -> None:
    rule = Rule(
        name="r",
        method="post",
        status=409,
        key="order_exists",
        idempotent=False,
        after_ambiguous=True,
        action=Action.ALREADY_EXISTED,
        reason="r",
    )
    assert rule.describe_condition() == (
        "POST · 409 · key `order_exists` · not idempotent · after an ambiguous failure"
    )


# Verdicts and waits


def test_a_retryable_verdict_carries_the_server_wait_and_its_source() -> None:
    verdict = decide(GENERIC, response(429, {"retry-after": "17"}), UPSERT, now=NOW)
    assert (verdict.action, verdict.wait, verdict.wait_source) == (
        Action.WAIT_RETRY_AFTER,
        17.0,
        WaitSource.RETRY_AFTER,
    )
    assert verdict.retryable
    assert verdict.status == 429


def test_a_backoff_verdict_carries_a_server_wait_when_the_server_gives_one() -> None:
    verdict = decide(GENERIC, response(503, {"retry-after": "4"}), CREATE, now=NOW)
    assert (verdict.action, verdict.wait, verdict.wait_source) == (
        Action.BACKOFF,
        4.0,
        WaitSource.RETRY_AFTER,
    )


def test_a_body_retry_after_reaches_the_verdict() -> None:
    outcome = response(429, error=ErrorBody(retry_after=60))
    verdict = decide(GENERIC, outcome, UPSERT, now=NOW)
    assert (verdict.wait, verdict.wait_source) == (60.0, WaitSource.BODY)


def test_a_retryable_verdict_without_a_hint_has_no_wait() -> None:
    verdict = decide(GENERIC, response(429, {"retry-after": "soon"}), UPSERT, now=NOW)
    assert (verdict.action, verdict.wait, verdict.wait_source) == (
        Action.WAIT_RETRY_AFTER,
        None,
        None,
    )


@pytest.mark.parametrize("status", [200, 302, 413, 400, 501])
def test_a_final_verdict_never_carries_a_wait(status: int) -> None:
    headers = {"retry-after-ms": "100", "x-ratelimit-reset": "5"}
    verdict = decide(GENERIC, response(status, headers), UPSERT, now=NOW)
    assert not verdict.retryable
    assert (verdict.wait, verdict.wait_source) == (None, None)


def test_a_network_verdict_never_carries_a_wait() -> None:
    verdict = decide(GENERIC, failure(FailureKind.CONNECT), UPSERT, now=NOW)
    assert verdict.retryable
    assert (verdict.wait, verdict.wait_source, verdict.status) == (None, None, None)


def test_decide_is_pure() -> None:
    outcome = response(429, {"retry-after": "Fri, 15 Jan 2027 08:00:30 GMT"})
    first = decide(GENERIC, outcome, UPSERT, now=NOW)
    assert first == decide(GENERIC, outcome, UPSERT, now=NOW)
    assert first == GENERIC.decide(outcome, UPSERT, now=NOW)
    assert first.wait == 30.0


def test_decide_with_a_huge_integer_retry_after_still_waits() -> None:
    verdict = decide(GENERIC, response(429, error=ErrorBody(retry_after=10**400)), UPSERT, now=NOW)
    assert (verdict.rule, verdict.action, verdict.wait) == (
        "http-429",
        Action.WAIT_RETRY_AFTER,
        MAX_SERVER_WAIT,
    )


class ExplodingHeaders(Mapping[str, str]):
    """Headers whose every read fails, to prove that decide() still answers."""

    def __getitem__(self, key: str) -> str:
        raise RuntimeError(key)

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError

    def __len__(self) -> int:
        raise RuntimeError

    def __contains__(self, key: object) -> bool:
        raise RuntimeError(key)


def test_decide_turns_an_internal_error_into_a_fail_verdict() -> None:
    outcome = HttpResponse(status=413, headers=ExplodingHeaders())
    verdict = decide(GENERIC, outcome, UPSERT, now=NOW)
    assert (verdict.action, verdict.rule, verdict.status) == (Action.FAIL, "decide-error", 413)
    assert "RuntimeError" in verdict.reason


# Ambiguity


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (response(500), True),
        (response(502), True),
        (response(504), True),
        (response(503), False),
        (response(501), False),
        (response(429), False),
        (response(200), False),
        (failure(FailureKind.READ_TIMEOUT), True),
        (failure(FailureKind.DISCONNECTED), True),
        (failure(FailureKind.CONNECT), False),
        (failure(FailureKind.CONNECT_TIMEOUT), False),
        (failure(FailureKind.TLS), False),
        (failure(FailureKind.DNS), False),
    ],
    ids=repr,
)
def test_is_ambiguous(outcome: Outcome, expected: bool) -> None:
    assert is_ambiguous(outcome) is expected


# decide() never raises


METHODS = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]), st.text()
)
HEADER_NAMES = st.one_of(
    st.sampled_from(
        ["retry-after", "retry-after-ms", "x-ratelimit-reset", "x-ratelimit-limit", "location"]
    ),
    st.text(),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text()),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
ERROR_BODIES = st.builds(
    ErrorBody,
    key=st.one_of(st.none(), st.sampled_from(["store_not_found", "too_many_attempts"]), st.text()),
    message=st.one_of(st.none(), st.text()),
    field_errors=st.dictionaries(st.text(), st.lists(st.text(), max_size=2), max_size=2),
    retry_after=JSON_VALUES,
)
RESPONSES = st.builds(
    HttpResponse,
    status=st.integers(),
    headers=st.dictionaries(HEADER_NAMES, st.text(), max_size=4),
    error=st.one_of(st.none(), ERROR_BODIES),
)
FAILURES = st.builds(TransportFailure, kind=st.sampled_from(FailureKind), detail=st.text())
FACTS = st.builds(
    RequestFacts, method=METHODS, idempotent=st.booleans(), after_ambiguous=st.booleans()
)
GENERIC_TABLES = st.sampled_from(
    [
        GENERIC,
        DecisionTable("http-only", GENERIC_HTTP_RULES),
        DecisionTable("network-only", NETWORK_RULES),
        GENERIC.without("unclassified").prepend(
            Rule(name="mine", method="DELETE", status=404, action=Action.DONE, reason="gone")
        ),
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    table=GENERIC_TABLES,
    outcome=st.one_of(RESPONSES, FAILURES),
    facts=FACTS,
    now=st.floats(min_value=0, max_value=2.0**34),
)
def test_decide_never_raises_and_always_returns_a_verdict(
    table: DecisionTable, outcome: Outcome, facts: RequestFacts, now: float
) -> None:
    verdict = decide(table, outcome, facts, now=now)
    assert isinstance(verdict, Verdict)
    assert verdict.rule in {rule.name for rule in table} | {"unmatched"}
    assert verdict.status == (outcome.status if isinstance(outcome, HttpResponse) else None)
    if verdict.wait is not None:
        assert verdict.retryable
        assert 0.0 <= verdict.wait <= MAX_SERVER_WAIT


# Verdicts remembered by status and request


KEYED = GENERIC.prepend(
    Rule(name="keyed", status=(200, 299), key="blocked", action=Action.BLOCKED, reason="r"),
    Rule(name="headed", status=409, header="location", action=Action.DONE, reason="r"),
)


def test_a_verdict_the_status_and_request_decide_is_made_once() -> None:
    table = DecisionTable("plain", GENERIC_HTTP_RULES)
    first = decide(table, response(201), UPSERT, now=NOW)
    assert decide(table, response(201, {"x-request-id": "r"}), UPSERT, now=NOW) is first
    assert first.action is Action.DONE


def test_a_remembered_verdict_never_hides_a_row_that_reads_the_body_or_a_header() -> None:
    assert decide(KEYED, response(200), UPSERT, now=NOW).action is Action.DONE
    blocked = response(200, error=ErrorBody(key="blocked"))
    assert decide(KEYED, blocked, UPSERT, now=NOW).rule == "keyed"
    assert decide(KEYED, response(200), UPSERT, now=NOW).action is Action.DONE
    assert decide(KEYED, response(409), UPSERT, now=NOW).rule != "headed"
    assert decide(KEYED, response(409, {"location": "/x"}), UPSERT, now=NOW).rule == "headed"


@settings(max_examples=200, deadline=None)
@given(
    outcomes=st.lists(st.one_of(RESPONSES, FAILURES), min_size=1, max_size=6),
    facts=st.lists(FACTS, min_size=1, max_size=3),
)
def test_decide_gives_what_a_fresh_table_gives_whatever_it_decided_before(
    outcomes: list[Outcome], facts: list[RequestFacts]
) -> None:
    used = DecisionTable(KEYED.name, KEYED.rules)
    for outcome in outcomes:
        for fact in facts:
            fresh = DecisionTable(KEYED.name, KEYED.rules)
            assert decide(used, outcome, fact, now=NOW) == decide(fresh, outcome, fact, now=NOW)
