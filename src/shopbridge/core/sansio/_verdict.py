"""What one attempt came to: the `Action` to take and the `Verdict` that explains it.

`MEANINGS` is the one table of what each action means: whether it is retried, whether the call
succeeded, the exception raised for it and the outcome a bulk record ends in. The exception
class and the bulk outcome are named (this module imports nothing above it);
`shopbridge.core._errors.error_class_for` and the bulk report's outcome lookup read them from
here, and a test checks every name resolves.
"""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import TYPE_CHECKING

from attrs import frozen

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MEANINGS", "Action", "Meaning", "Verdict", "WaitSource"]


class Action(enum.Enum):
    """What the caller must do with the outcome of one attempt.

    The names are the APIs' own advice ("fix the payload, do NOT retry", "wait Retry-After,
    then retry"), so a log line or a dead-letter row reads like the docs.
    """

    DONE = "done"
    """2xx: created, updated or deleted."""
    ALREADY_EXISTED = "already_existed"
    """A create retried after an ambiguous failure met "already exists": an earlier attempt
    most likely created it. Not a failure, and reported as such, never as a plain success."""
    ALREADY_SENT = "already_sent"
    """A send whose ``Idempotency-Key`` the API had already seen (Kanal messaging's 201
    "Message already sent with this idempotency key"): not sent again. Not a failure, and
    never a plain success: this call sent nothing."""
    BLOCKED = "blocked"
    """The API accepted the request and, by its own rule, did nothing (Kanal's 200 "Contact
    blocked by re-entry rule": no flow ran). Not a failure; resending it changes nothing."""
    FIX_PAYLOAD = "fix_payload"
    """The record (or the request) is wrong; resending it unchanged cannot succeed."""
    FIX_CREDENTIALS = "fix_credentials"
    """The key or the store/shop is wrong; nothing for this store can succeed until fixed."""
    NOT_FOUND = "not_found"
    """The store/shop or the record does not exist."""
    CONFLICT = "conflict"
    """A create met an existing resource on its first try."""
    WAIT_RETRY_AFTER = "wait_retry_after"
    """Rate limited: wait exactly what the server said, then retry."""
    BACKOFF = "backoff"
    """Transient: retry after an exponential backoff with full jitter."""
    FAIL = "fail"
    """A permanent answer or an unknown one: do not retry."""

    # Copied from MEANINGS onto each member once, at import. Attribute reads, not a lookup in
    # the table or a set membership: an Enum's __hash__ is Python code, and these two are
    # asked on every attempt.
    _retryable: bool
    _succeeded: bool

    @property
    def retryable(self) -> bool:
        """Whether this action, by itself, allows another attempt."""
        return self._retryable

    @property
    def succeeded(self) -> bool:
        """Whether the attempt settled the request without an error.

        The server holds what was asked (`DONE`, `ALREADY_EXISTED`, `ALREADY_SENT`), or
        declined it by its own rule (`BLOCKED`).
        """
        return self._succeeded

    @property
    def meaning(self) -> Meaning:
        """This action's row of `MEANINGS`."""
        return MEANINGS[self]


@frozen(kw_only=True)
class Meaning:
    """What one `Action` means to everyone who reads a verdict.

    Attributes:
        retried: whether the action, by itself, allows another attempt (the policy may still
            say no).
        succeeded: whether the call reached its goal.
        error: the name of the `shopbridge.core._errors.RequestError` subclass raised when a
            call ends on it (``None`` for a success: nothing is raised).
        bulk_outcome: the value of the `shopbridge.core.bulk._report.BulkOutcome` a bulk record
            ends in (``None`` for `Action.DONE`: the dialect says created, updated or deleted).
    """

    retried: bool
    succeeded: bool
    error: str | None
    bulk_outcome: str | None


MEANINGS: Mapping[Action, Meaning] = MappingProxyType(
    {
        Action.DONE: Meaning(retried=False, succeeded=True, error=None, bulk_outcome=None),
        Action.ALREADY_EXISTED: Meaning(
            retried=False, succeeded=True, error=None, bulk_outcome="already_existed"
        ),
        Action.FIX_PAYLOAD: Meaning(
            retried=False, succeeded=False, error="PayloadRejectedError", bulk_outcome="rejected"
        ),
        Action.FIX_CREDENTIALS: Meaning(
            retried=False,
            succeeded=False,
            error="CredentialsRejectedError",
            bulk_outcome="credentials_rejected",
        ),
        Action.NOT_FOUND: Meaning(
            retried=False, succeeded=False, error="NotFoundError", bulk_outcome="not_found"
        ),
        Action.CONFLICT: Meaning(
            retried=False, succeeded=False, error="ConflictError", bulk_outcome="conflict"
        ),
        Action.WAIT_RETRY_AFTER: Meaning(
            retried=True, succeeded=False, error="RateLimitedError", bulk_outcome="gave_up"
        ),
        Action.BACKOFF: Meaning(
            retried=True, succeeded=False, error="TransientError", bulk_outcome="gave_up"
        ),
        Action.FAIL: Meaning(
            retried=False, succeeded=False, error="RequestFailedError", bulk_outcome="failed"
        ),
        Action.ALREADY_SENT: Meaning(
            retried=False, succeeded=True, error=None, bulk_outcome="already_sent"
        ),
        Action.BLOCKED: Meaning(retried=False, succeeded=True, error=None, bulk_outcome="blocked"),
    }
)
"""What each `Action` means: retried, succeeded, the exception raised, the bulk outcome."""

for _action in Action:
    _action._retryable = MEANINGS[_action].retried
    _action._succeeded = MEANINGS[_action].succeeded
del _action


class WaitSource(enum.Enum):
    """Where a wait came from; logged beside every wait so a long pause explains itself."""

    RETRY_AFTER_MS = "retry-after-ms"
    RETRY_AFTER = "Retry-After"
    RATE_LIMIT_RESET = "X-RateLimit-Reset"
    BODY = "body retry_after"
    BACKOFF = "backoff"
    PACING = "pacing"


@frozen(kw_only=True)
class Verdict:
    """The decision for one attempt.

    Attributes:
        action: what to do.
        reason: why, in the API docs' own words.
        rule: the name of the decision-table row that fired.
        status: the HTTP status, or ``None`` when no response arrived.
        wait: the server's wait hint in seconds (already validated and bounded), if it gave one.
        wait_source: where `wait` came from.
    """

    action: Action
    reason: str
    rule: str
    status: int | None = None
    wait: float | None = None
    wait_source: WaitSource | None = None

    @property
    def retryable(self) -> bool:
        """Whether the verdict allows another attempt (the policy may still say no)."""
        return self.action.retryable

    @property
    def succeeded(self) -> bool:
        """Whether the request settled without an error (see `Action.succeeded`)."""
        return self.action.succeeded
