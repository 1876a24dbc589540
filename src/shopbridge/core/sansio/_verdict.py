"""What one attempt came to: the `Action` to take and the `Verdict` that explains it."""

from __future__ import annotations

import enum

from attrs import frozen


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

    # Identity tests, not set membership: an Enum's __hash__ is Python code, and these two
    # are asked on every attempt.
    @property
    def retryable(self) -> bool:
        """Whether this action, by itself, allows another attempt."""
        return self is Action.WAIT_RETRY_AFTER or self is Action.BACKOFF

    @property
    def succeeded(self) -> bool:
        """Whether the attempt settled the request without an error.

        The server holds what was asked (`DONE`, `ALREADY_EXISTED`, `ALREADY_SENT`), or
        declined it by its own rule (`BLOCKED`).
        """
        return (
            self is Action.DONE
            or self is Action.ALREADY_EXISTED
            or self is Action.ALREADY_SENT
            or self is Action.BLOCKED
        )


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
