"""`MessagingChannel`: the `Api` of Kanal's messaging endpoints, inside `AsyncKanal`.

One key reaches both of Kanal's APIs, so one `AsyncKanal` holds both: its commerce resources
call the client itself, its messaging resources (``messages``, ``templates``, ``automations``,
``account``) call this channel. The channel shares the client's HTTP session and pacer but has
an engine of its own, because the messaging API is another dialect: its own decision table
(`KANAL_MESSAGING_TABLE`), its own body shapes, 2xx answers that the table must read (a 201
replay, a contact blocked by re-entry), its own counters, and no ``store_id``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from shopbridge.core._client_base import EngineClient
from shopbridge.core._engine import Engine
from shopbridge.core._errors import ValidationError
from shopbridge.kanal._messaging.table import parse_messaging_body
from shopbridge.kanal._messaging.validation import (
    check_message,
    check_template_send,
    check_trigger,
    check_webhook_id,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from shopbridge.core._attempts import AttemptHook
    from shopbridge.core._endpoint import Endpoint
    from shopbridge.core._otel import Telemetry
    from shopbridge.core._pacing import Pacer
    from shopbridge.core._requests import Reply
    from shopbridge.core._transport import Transport
    from shopbridge.core.sansio._policy import RetryPolicy
    from shopbridge.core.sansio._table import DecisionTable

__all__ = ["MessagingChannel"]

_T = TypeVar("_T")

_CHECKS: Mapping[object, Callable[..., dict[str, list[str]]]] = {
    "message": check_message,
    "template": check_template_send,
    "trigger": check_trigger,
}


class MessagingChannel(EngineClient):
    """The messaging endpoints' `Api`: validation in the messaging API's terms, its own table.

    Args:
        owner: the client it belongs to; closed with it, opened with it.
        transport: the owner's transport (one HTTP session for both APIs).
        pacer: the owner's pacer (the templates' window is its own key in it).
        table: the messaging decision table.
        retry: the retry policy.
        secret: the API key, never shown in an error.
        validate: check bodies before sending them.
        reject_unknown: refuse fields Kanal does not know.
        on_attempt: the owner's ``on_attempt`` hook.
        telemetry: the owner's OpenTelemetry spans and counters.
    """

    _api_name = "Kanal"
    _unreadable_consequence = (
        "the message was most likely sent; a resend with the same Idempotency-Key is safe."
    )

    def __init__(
        self,
        *,
        owner: EngineClient,
        transport: Transport,
        pacer: Pacer,
        table: DecisionTable,
        retry: RetryPolicy,
        secret: str,
        validate: bool,
        reject_unknown: bool,
        on_attempt: AttemptHook | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._owner = owner
        self.scope = "kanal messaging"
        self.table = table
        self._pace_key = "messaging"
        self._validate = validate
        self._reject_unknown = reject_unknown
        self._engine = Engine(
            transport=transport,
            table=table,
            parse_error=parse_messaging_body,
            parse_success=parse_messaging_body,
            policy=retry,
            pacer=pacer,
            secrets=(secret,),
            on_attempt=on_attempt,
            observer=telemetry,
        )

    def view(self, owner: EngineClient, retry: RetryPolicy) -> Self:
        """This channel for `owner`, a view of its client (`AsyncKanal.with_options`)."""
        view = copy.copy(self)
        view._owner = owner
        view._engine = self._engine.with_policy(retry)
        return view

    def __repr__(self) -> str:
        return f"<MessagingChannel of {self._owner!r}>"

    def _check_open(self) -> None:
        self._owner._check_open()  # closed with the client it belongs to

    def _path_value(self, endpoint: Endpoint[Any], name: str, value: object) -> str:
        problems = check_webhook_id(value)
        if problems:
            raise ValidationError.before_sending(
                method=endpoint.method, path=endpoint.path, field_errors={name: problems}
            )
        assert isinstance(value, str)  # noqa: S101 - check_webhook_id refused anything else
        return value.strip()

    def _json_body(self, endpoint: Endpoint[Any], body: object, path: str) -> Any:
        data: Any = body
        if endpoint.model is not None and isinstance(body, endpoint.model):
            data = body.to_wire()  # type: ignore[attr-defined]  # the messaging models' own
        elif isinstance(body, Mapping):
            data = dict(body)
        if self._validate:
            errors = _CHECKS[endpoint.schema](data, reject_unknown=self._reject_unknown)
            if errors:
                raise ValidationError.before_sending(
                    method=endpoint.method, path=path, field_errors=errors
                )
        return data

    def _read_answer(self, endpoint: Endpoint[_T], reply: Reply, path: str) -> _T:
        return reply.data  # type: ignore[no-any-return]  # untyped: the resources read it

    def decode(self, reply: Reply, read: Callable[[Any], _T], *, method: str, path: str) -> _T:
        """`read` a reply's JSON, or fail saying it is not the documented body.

        Raises:
            RequestFailedError: the 2xx answer is not the documented body.
        """
        return self._decode(reply, read, method=method, path=path)
