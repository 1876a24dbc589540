"""Every public exception shopbridge raises, and the one warning: one class per failed action.

::

    ShopbridgeError
    ├── ConfigurationError            a client built wrong: bad base URL, plain http, empty key
    │   ├── FaultSpecError            a sandbox's fault spec (``503=0.1,...``) is unreadable
    │   └── RateLimitSpecError        a sandbox's rate-limit spec (``60/60``, ``off``) too
    ├── RequestError                  a request ended without success; carries the Verdict
    │   ├── PayloadRejectedError      FIX_PAYLOAD      fix the record, never resend it as is
    │   │   └── ValidationError       ...found before sending: no request was made
    │   ├── CredentialsRejectedError  FIX_CREDENTIALS  fix the key or the store/shop
    │   ├── NotFoundError             NOT_FOUND        the store/shop or the record is missing
    │   ├── ConflictError             CONFLICT         a create met an existing resource
    │   ├── RateLimitedError          WAIT_RETRY_AFTER rate limited, and the policy ran out
    │   ├── TransientError            BACKOFF          5xx or network, and the policy ran out
    │   └── RequestFailedError        FAIL             a permanent or unknown answer
    ├── InputError                    a bulk run's input cannot be read at all
    │   └── SourceFailedError         its source raised mid-run; carries the run's report
    ├── CheckpointError               a bulk run's checkpoint cannot be used for this run
    │   ├── UnwritableFileError       its dead letter or checkpoint cannot be created there
    │   └── FilesInUseError           another run holds the files' lock
    ├── SignatureError                a webhook delivery's signature cannot be trusted (401)
    │   ├── MalformedSignatureError   the header is missing, unparsable, or has no v1
    │   ├── StaleSignatureError       the timestamp is outside the tolerance
    │   └── SignatureMismatchError    no v1 value matches the body and the secret
    └── InvalidEventError             a correctly signed delivery that is not an event (400)

    BlockingCallInEventLoopWarning    the blocking client was called on a thread whose event
                                      loop is running (a notebook cell, or a coroutine)

``ConfigurationError``, the signature errors and ``InvalidEventError`` are also `ValueError`
subclasses. The class raised for each `Action` is named in `shopbridge.core.sansio._verdict`'s
`MEANINGS`, the one table of what an action means; `error_class_for` reads it.

Whether a failure is worth trying again later is the `RequestError.retryable` attribute, not a
branch of the tree: a `TransientError` after the policy ran out is retryable, a
`PayloadRejectedError` never is.

``str(error)`` names the status (or the network failure), the action, the rule that fired, the
reason in the API's own words, the server's message and the field errors. It never contains a
credential: messages from the server pass through the client's redaction first. Every error
pickles and deep-copies (a bulk run's errors cross process boundaries).

Not here, on purpose:

* ``TransportError`` (`shopbridge.core._transport`) and ``PacingTimeoutError``
  (`shopbridge.core._pacing`): internal signals to the engine, which turns each into a
  `RequestError`; they never reach a caller.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from shopbridge.core.sansio._outcome import NO_FIELD_ERRORS, freeze_field_errors
from shopbridge.core.sansio._verdict import MEANINGS, Action, Verdict

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shopbridge.core.sansio._outcome import ErrorBody, FailureKind, FieldErrors

__all__ = [
    "BlockingCallInEventLoopWarning",
    "CheckpointError",
    "ConfigurationError",
    "ConflictError",
    "CredentialsRejectedError",
    "FaultSpecError",
    "FilesInUseError",
    "InputError",
    "InvalidEventError",
    "MalformedSignatureError",
    "NotFoundError",
    "PayloadRejectedError",
    "RateLimitSpecError",
    "RateLimitedError",
    "RequestError",
    "RequestFailedError",
    "ShopbridgeError",
    "SignatureError",
    "SignatureMismatchError",
    "SourceFailedError",
    "StaleSignatureError",
    "TransientError",
    "UnwritableFileError",
    "ValidationError",
    "error_class_for",
]


def _rebuilt(cls: type[Exception], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Exception:
    """An error from its constructor's arguments: how errors with keyword arguments unpickle."""
    return cls(*args, **kwargs)


class ShopbridgeError(Exception):
    """Base of every exception shopbridge raises."""


class ConfigurationError(ShopbridgeError, ValueError):
    """The client was configured wrong; the message names the setting and the fix."""


class FaultSpecError(ConfigurationError):
    """A sandbox's fault spec string that cannot be read; the message names the bad item."""


class RateLimitSpecError(ConfigurationError):
    """A sandbox's rate-limit spec (``LIMIT/SECONDS`` or ``off``) that cannot be read."""


class RequestError(ShopbridgeError):
    """A request ended without success.

    Attributes:
        verdict: the decision for the last attempt.
        method: the HTTP method.
        path: the request path below the base URL (no query string, no credentials).
        status: the HTTP status of the last answer, or ``None`` if none arrived.
        failure: the network failure of the last attempt, when no answer arrived.
        error: the parsed error body, if the server sent one.
        field_errors: per-field errors keyed by dot path (empty when there are none).
        request_id: the server's request id, if it sent one.
        attempts: how many attempts were made (0 when nothing was sent).
        gave_up: why the retry policy stopped, when it did (attempts, deadline, or a server
            wait longer than the time left).
        retryable: whether trying again later may succeed.
    """

    def __init__(
        self,
        verdict: Verdict,
        *,
        method: str,
        path: str,
        error: ErrorBody | None = None,
        failure: FailureKind | None = None,
        field_errors: FieldErrors | None = None,
        request_id: str | None = None,
        attempts: int = 1,
        gave_up: str | None = None,
    ) -> None:
        self.verdict = verdict
        self.method = method
        self.path = path
        self.status = verdict.status
        self.failure = failure
        self.error = error
        if field_errors is None:
            field_errors = error.field_errors if error is not None else NO_FIELD_ERRORS
        elif not isinstance(field_errors, MappingProxyType):
            field_errors = freeze_field_errors(field_errors)
        self.field_errors = field_errors
        self.request_id = request_id
        self.attempts = attempts
        self.gave_up = gave_up
        self.retryable = verdict.retryable
        super().__init__(self._describe())

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its arguments: the default (``cls(*self.args)``) would pass the message
        # as the verdict, and the read-only mapping proxy of the field errors does not pickle.
        kwargs: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "error": self.error,
            "failure": self.failure,
            "field_errors": dict(self.field_errors),
            "request_id": self.request_id,
            "attempts": self.attempts,
            "gave_up": self.gave_up,
        }
        return (_rebuilt, (type(self), (self.verdict,), kwargs))

    @property
    def action(self) -> Action:
        """The action of the last verdict."""
        return self.verdict.action

    @property
    def reason(self) -> str:
        """The reason of the last verdict, in the API docs' words."""
        return self.verdict.reason

    def _describe(self) -> str:
        if self.status is not None:
            head = str(self.status)
        elif self.failure is not None:
            head = self.failure.value.replace("_", " ")
        else:
            head = "not sent"
        lines = [
            f"{self.method} {self.path}: {head} {self.verdict.action.name} "
            f"[{self.verdict.rule}]: {self.verdict.reason}"
        ]
        if self.error is not None and self.error.message:
            lines.append(f"server said: {self.error.message}")
        lines.extend(
            f"  {path}: {' '.join(messages)}" for path, messages in self.field_errors.items()
        )
        if self.gave_up:
            lines.append(f"gave up: {self.gave_up}")
        elif self.attempts > 1:
            lines.append(f"after {self.attempts} attempts")
        if self.request_id:
            lines.append(f"request id: {self.request_id}")
        return "\n".join(lines)


class PayloadRejectedError(RequestError):
    """FIX_PAYLOAD: the record or the request is wrong. Read `field_errors`; do not resend as is."""


class ValidationError(PayloadRejectedError):
    """The record failed client-side validation; nothing was sent.

    `field_errors` holds the same dot paths and messages the server would have answered with.
    """

    RULE = "client-validation"
    REASON = "The record breaks the API's validation rules: fix the payload; nothing was sent."

    @classmethod
    def before_sending(
        cls, *, method: str, path: str, field_errors: Mapping[str, Any]
    ) -> ValidationError:
        """The error for a record rejected before any request was made."""
        verdict = Verdict(action=Action.FIX_PAYLOAD, reason=cls.REASON, rule=cls.RULE)
        return cls(
            verdict,
            method=method,
            path=path,
            field_errors=freeze_field_errors(field_errors),
            attempts=0,
        )


class CredentialsRejectedError(RequestError):
    """FIX_CREDENTIALS: the key is missing, wrong, expired, or not allowed for this store/shop."""


class NotFoundError(RequestError):
    """NOT_FOUND: the store/shop is unknown or paused, or the record does not exist."""


class ConflictError(RequestError):
    """CONFLICT: a create met a resource that already exists (on its first attempt)."""


class RateLimitedError(RequestError):
    """WAIT_RETRY_AFTER: still rate limited when the retry policy ran out."""


class TransientError(RequestError):
    """BACKOFF: a transient server or network failure outlasted the retry policy."""


class RequestFailedError(RequestError):
    """FAIL: a permanent answer (or one nobody documented); retrying will not help."""


class InputError(ShopbridgeError):
    """The input cannot be read at all (no such file, a CSV header that cannot be right)."""


class SourceFailedError(InputError):
    """A bulk run's source raised part-way (a database connection lost at row 300).

    Every record read before it was sent and settled, the dead letter written and the
    checkpoint saved: pushing again with the same checkpoint resumes after them. The source's
    own exception is the ``__cause__`` (not kept when pickled: its class may not unpickle).

    Attributes:
        report: the run's `BulkReport`, up to the failure.
    """

    # `Any`, not `BulkReport`: the bulk runner imports this module, and the contracts forbid
    # cycles, type-only ones included.
    def __init__(self, message: str, *, report: Any) -> None:
        self.report = report
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments: the default (``cls(*self.args)``) cannot rebuild it.
        return (_rebuilt, (type(self), self.args, {"report": self.report}))


class CheckpointError(ShopbridgeError):
    """A checkpoint that cannot be used for this run; the message says why and what to do."""


class UnwritableFileError(CheckpointError):
    """A file of the run (dead letter, checkpoint) cannot be created where it was asked for."""


class FilesInUseError(CheckpointError):
    """Another run (another process, or another run of this one) holds the file's lock."""


class SignatureError(ShopbridgeError, ValueError):
    """A webhook delivery's signature header cannot be trusted; answer it with 401."""


class MalformedSignatureError(SignatureError):
    """The header is missing or not of the form ``t=<unix>,v1=<hex>[,v1=<hex>...]``."""


class StaleSignatureError(SignatureError):
    """The header's timestamp is further from now than the tolerance allows.

    Attributes:
        timestamp: the header's ``t``.
        now: the time it was checked against.
        tolerance: the allowed difference in seconds.
        header: the name of the signature header.
    """

    def __init__(
        self, *, timestamp: int, now: float, tolerance: float, header: str = "Karla-Signature"
    ) -> None:
        self.timestamp = timestamp
        self.now = now
        self.tolerance = tolerance
        self.header = header
        super().__init__(
            f"{header} timestamp {timestamp} is {abs(now - timestamp):.0f} s from now, "
            f"beyond the tolerance of {tolerance:g} s (a replayed or delayed delivery, "
            "or a clock that is off)"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments: the default (``cls(*self.args)``) cannot rebuild it.
        kwargs = {
            "timestamp": self.timestamp,
            "now": self.now,
            "tolerance": self.tolerance,
            "header": self.header,
        }
        return (_rebuilt, (type(self), (), kwargs))


class SignatureMismatchError(SignatureError):
    """No ``v1`` value in the header matches the body signed with the secret."""


class InvalidEventError(ShopbridgeError, ValueError):
    """A correctly signed webhook delivery whose body is not an event (answer it with 400)."""


class BlockingCallInEventLoopWarning(RuntimeWarning):
    """The blocking client was called from a thread whose event loop is running.

    The call works (it runs on the client's own portal thread) but blocks that loop until it
    returns. In async code, use the ``Async`` client instead; in a notebook, this is expected and
    can be silenced with ``warnings.simplefilter("ignore", BlockingCallInEventLoopWarning)``.
    """


# The table names the classes; every one it names is defined above (a test checks).
_ERROR_FOR_ACTION: dict[Action, type[RequestError]] = {
    action: globals()[meaning.error] for action, meaning in MEANINGS.items() if meaning.error
}
"""The class named in `MEANINGS` for each action that is not a success."""


def error_class_for(action: Action) -> type[RequestError]:
    """The exception class raised for `action` (`RequestFailedError` for the success actions)."""
    return _ERROR_FOR_ACTION.get(action, RequestFailedError)
