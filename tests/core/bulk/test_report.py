"""What a bulk run says of each record and of itself (`core/bulk/_report.py`)."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import pytest

from shopbridge.core._errors import RequestError, error_class_for
from shopbridge.core.bulk._report import BulkOutcome, BulkReport, settled_from_error
from shopbridge.core.sansio._outcome import ErrorBody
from shopbridge.core.sansio._verdict import Action, Verdict


def error_for(action: Action, *, key: str | None = None) -> RequestError:
    verdict = Verdict(action=action, reason="why", rule=f"toy-{action.value}", status=400)
    return error_class_for(action)(
        verdict, method="PUT", path="/north/items/A", error=ErrorBody(key=key, message="no")
    )


@pytest.mark.parametrize(
    ("action", "outcome", "stops_run"),
    [
        (Action.FIX_PAYLOAD, BulkOutcome.REJECTED, False),
        (Action.FIX_CREDENTIALS, BulkOutcome.CREDENTIALS_REJECTED, True),
        (Action.NOT_FOUND, BulkOutcome.NOT_FOUND, False),
        (Action.CONFLICT, BulkOutcome.CONFLICT, False),
        (Action.WAIT_RETRY_AFTER, BulkOutcome.GAVE_UP, False),
        (Action.BACKOFF, BulkOutcome.GAVE_UP, False),
        (Action.FAIL, BulkOutcome.FAILED, False),
    ],
)
def test_each_failing_action_settles_its_record_in_one_outcome(
    action: Action, outcome: BulkOutcome, stops_run: bool
) -> None:
    error = error_for(action)
    settled = settled_from_error(error)
    assert (settled.outcome, settled.stops_run, settled.outcome.done) == (outcome, stops_run, False)
    assert (settled.verdict, settled.message) == (error.verdict, "no")


def test_an_error_key_saying_the_shop_is_missing_stops_the_run() -> None:
    error = error_for(Action.NOT_FOUND, key="no_shop")
    assert settled_from_error(error, store_keys=frozenset({"no_shop"})).stops_run


def test_the_counts_of_a_report_add_up_and_name_every_outcome() -> None:
    report = BulkReport(
        resource="items", total=5, counts={BulkOutcome.CREATED: 3, BulkOutcome.REJECTED: 2}
    )
    assert set(report.counts) == set(BulkOutcome)
    assert (report.done, report.not_done, report.ok) == (3, 2, False)
    assert report.summary().splitlines()[0] == "items: 5 records: 3 created, 2 rejected"


def test_a_report_pickles() -> None:
    report = BulkReport(resource="items", total=1, counts={BulkOutcome.CREATED: 1})
    copy = pickle.loads(pickle.dumps(report))  # noqa: S301 - our own report, just pickled
    assert copy == report


def test_a_report_deep_copies_and_becomes_json() -> None:
    report = BulkReport(
        resource="items",
        total=3,
        counts={BulkOutcome.CREATED: 2, BulkOutcome.REJECTED: 1},
        rules={"toy-201": 2},
        dead_letter=Path("dl.jsonl"),
        dead_lettered=1,
    )
    assert copy.deepcopy(report) == report
    data = json.loads(json.dumps(report.to_dict()))
    assert data["counts"]["created"] == 2
    assert data["counts"]["rejected"] == 1
    assert (data["done"], data["not_done"], data["ok"]) == (2, 1, False)
    assert data["dead_letter"] == "dl.jsonl"
    assert data["rules"] == {"toy-201": 2}
