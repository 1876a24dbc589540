"""The messaging resources of `AsyncKanal`: messages, templates, automations, account.

Every send carries an ``Idempotency-Key``: the caller's, or a new UUID4, the same bytes on
every retry of the call (the engine encodes a request once). A 201 replay is `Sent` with
``already_sent=True``, never an error and never a plain success. ``idempotency_key=False``
sends none: such a send, like every automation trigger, is never resent after an ambiguous
failure (`shopbridge.kanal._messaging.table`).
"""

from __future__ import annotations

import asyncio
import builtins  # noqa: TC003 - `builtins.list` annotates at run time for inspect.signature
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Unpack

from shopbridge.core._errors import ValidationError
from shopbridge.core.sansio._verdict import Action
from shopbridge.kanal._messaging import bulk
from shopbridge.kanal._messaging.endpoints import (
    ACCOUNT_ME,
    AUTOMATION_TRIGGER,
    MESSAGE_SEND,
    TEMPLATE_LIST,
    TEMPLATE_SEND,
)
from shopbridge.kanal._messaging.models import Sent, Template, TemplateSend, Triggered
from shopbridge.kanal._messaging.validation import check_template_variables

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from shopbridge.core._endpoint import Answer, Endpoint
    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport
    from shopbridge.kanal._messaging.client import MessagingChannel
    from shopbridge.kanal._messaging.models import AutomationTrigger, Message

__all__ = ["AsyncAccount", "AsyncAutomations", "AsyncMessages", "AsyncTemplates"]

IdempotencyKey = str | Literal[False] | None
"""``None``: a new UUID4; a string: that key; ``False``: none (then never resent after an
ambiguous failure)."""


def _key(endpoint: Endpoint[Any], given: IdempotencyKey) -> str | None:
    if given is None:
        return str(uuid.uuid4())
    if given is False:
        return None
    if not given.strip() or any(ch in given for ch in "\r\n"):
        raise ValidationError.before_sending(
            method=endpoint.method,
            path=endpoint.path,
            field_errors={"Idempotency-Key": ["The idempotency key must be a non-empty line."]},
        )
    return given


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _sent(answer: Answer[Any], key: str | None) -> Sent:
    data = answer.reply.data if isinstance(answer.reply.data, Mapping) else {}
    return Sent(
        already_sent=answer.verdict.action is Action.ALREADY_SENT,
        idempotency_key=key,
        message=_str(data.get("message")),
        message_id=_int(data.get("message_id")),
        contact_id=_int(data.get("contact_id")),
        phone_number=_str(data.get("phone_number")),
        verdict=answer.verdict,
        attempts=answer.attempts,
    )


class _Resource:
    def __init__(self, channel: MessagingChannel) -> None:
        self._api = channel


class AsyncMessages(_Resource):
    """``/messages/send``: free-form messages, inside the contact's 24-hour window only."""

    async def send(
        self, message: Message | Mapping[str, Any], *, idempotency_key: IdempotencyKey = None
    ) -> Sent:
        """Send a text, image, video, audio or document message.

        Args:
            message: a `Message`, or the Meta-style body (``{"to", "type", "text": {...}}``).
            idempotency_key: the send's key (default: a new UUID4, reused on every retry);
                ``False`` sends none.

        Returns:
            `Sent`; ``already_sent`` when Kanal had seen the key (201): not sent again.

        Raises:
            ValidationError: the message breaks Kanal's rules; nothing was sent.
            RequestError: Kanal refused it (outside the 24-hour window: `PayloadRejectedError`),
                or the retry policy gave up.
        """
        key = _key(MESSAGE_SEND, idempotency_key)
        answer = await self._api.call(MESSAGE_SEND, message, idempotency_key=key)
        return _sent(answer, key)


class AsyncTemplates(_Resource):
    """``/templates`` (send an approved template) and ``/get_templates`` (list them)."""

    def __init__(self, channel: MessagingChannel) -> None:
        super().__init__(channel)
        self._declared: dict[int, tuple[str, ...]] | None = None
        self._listing = asyncio.Lock()

    # `builtins.list`: inside this class, `list` is the method below.
    async def list(self) -> builtins.list[Template]:
        """The approved templates of the key's WhatsApp number.

        Also refreshes the cache that ``check_variables`` reads.

        Raises:
            RequestError: Kanal refused it (no subscription: `CredentialsRejectedError`).
        """
        answer = await self._api.call(TEMPLATE_LIST)
        templates = self._api.decode(
            answer.reply,
            lambda data: [Template.from_wire(item) for item in data],
            method=TEMPLATE_LIST.method,
            path=TEMPLATE_LIST.path,
        )
        self._declared = {template.id: template.variables for template in templates}
        return templates

    async def send(
        self,
        send: TemplateSend | Mapping[str, Any],
        *,
        idempotency_key: IdempotencyKey = None,
        check_variables: bool = False,
    ) -> Sent:
        """Send an approved template to one contact (allowed outside the 24-hour window).

        Args:
            send: a `TemplateSend`, or its body (``template_id``, ``phone_number``,
                ``variables``, ``cleanForCountry``, ``name``, ``email``).
            idempotency_key: as for `AsyncMessages.send`.
            check_variables: refuse, before sending, a variable the template does not
                declare or one it declares and the send lacks (the templates are listed once,
                then cached; `list` refreshes them).

        Raises:
            ValidationError: the send breaks Kanal's rules (or the template's variables);
                nothing was sent.
            RequestError: Kanal refused it (unknown template: `NotFoundError`), or the retry
                policy gave up.
        """
        key = _key(TEMPLATE_SEND, idempotency_key)
        body = send.to_wire() if isinstance(send, TemplateSend) else send
        if isinstance(body, Mapping):
            template_id = body.get("template_id")
            if isinstance(template_id, str) and template_id.strip().isdigit():
                # A CSV cell is text; Kanal's template_id is an integer.
                body = {**body, "template_id": int(template_id)}
            if check_variables:
                await self._check_variables(body)
        answer = await self._api.call(TEMPLATE_SEND, body, idempotency_key=key)
        return _sent(answer, key)

    async def _check_variables(self, body: Mapping[str, Any]) -> None:
        async with self._listing:
            if self._declared is None:
                await self.list()
        declared = self._declared or {}
        template_id = body.get("template_id")
        errors: dict[str, list[str]]
        if not isinstance(template_id, int) or template_id not in declared:
            known = ", ".join(str(id_) for id_ in sorted(declared)) or "none"
            errors = {
                "template_id": [
                    f"No approved template of this number has the id {template_id!r} "
                    f"(approved: {known})."
                ]
            }
        else:
            errors = check_template_variables(declared[template_id], body.get("variables"))
        if errors:
            raise ValidationError.before_sending(
                method=TEMPLATE_SEND.method, path=TEMPLATE_SEND.path, field_errors=errors
            )

    async def push_many(
        self,
        sends: Records,
        *,
        key_column: str | None = None,
        key_salt: str = "",
        check_variables: bool = False,
        **options: Unpack[PushOptions],
    ) -> BulkReport:
        """Send a template to every record of a stream, at 60 a minute; never one twice.

        Args:
            sends: a JSONL or CSV path (``-``: stdin), an iterable or an async iterable of
                template sends (models or mappings).
            key_column: the column whose value is each record's Idempotency-Key (not sent in
                the body). Without one, each key is derived from the record's content and
                position (`shopbridge.kanal._messaging.bulk`), so a resumed or repeated run
                meets "already sent" instead of sending again.
            key_salt: mixed into the derived keys: a new salt sends the same file again.
            check_variables: as for `send`.
            **options: see `PushOptions` (concurrency, dead_letter, checkpoint, on_progress...).

        Returns:
            The report: ``sent``, ``already_sent`` and the failures, adding up to the input.
        """

        def send(record: Any, key: str) -> Awaitable[Sent]:
            return self.send(record, idempotency_key=key, check_variables=check_variables)

        handle = bulk.send_handler(send, key_column=key_column, key_salt=key_salt)
        key_of = None if key_column is None else (lambda record: bulk.column(record, key_column))
        return await bulk.push(
            self._api, sends, handle, resource="template messages", key_of=key_of, options=options
        )


class AsyncAutomations(_Resource):
    """``/automations/{webhook_id}``: start an automation through its Incoming Webhook node."""

    async def trigger(
        self, webhook_id: str, trigger: AutomationTrigger | Mapping[str, Any]
    ) -> Triggered:
        """Send one contact into the automation whose Incoming Webhook node is `webhook_id`.

        No Idempotency-Key exists for triggers: a trigger is resent only when it surely did not
        arrive (connection refused, 503, 429), never after a lost answer, a read timeout or a
        500/502/504 (the flow may have run).

        Returns:
            `Triggered`; ``blocked`` when the automation's re-entry rule kept the contact out.

        Raises:
            ValidationError: the trigger breaks Kanal's rules; nothing was sent.
            RequestError: Kanal refused it (automation not active: `RequestFailedError`;
                unknown webhook: `NotFoundError`), or the retry policy gave up.
        """
        answer = await self._api.call(AUTOMATION_TRIGGER, trigger, webhook_id=webhook_id)
        data = answer.reply.data if isinstance(answer.reply.data, Mapping) else {}
        return Triggered(
            blocked=answer.verdict.action is Action.BLOCKED,
            message=_str(data.get("message")),
            verdict=answer.verdict,
            attempts=answer.attempts,
        )

    async def push_many(
        self,
        triggers: Records,
        *,
        webhook_id: str | None = None,
        **options: Unpack[PushOptions],
    ) -> BulkReport:
        """Trigger an automation for every record of a stream.

        Args:
            triggers: records of `AutomationTrigger` fields (a ``webhook_id`` column, when
                present, says which automation; it is not sent in the body).
            webhook_id: the automation of the records without a ``webhook_id`` of their own.
            **options: see `PushOptions`. A resumed run triggers again the records in flight
                when the last one was killed: triggers have no Idempotency-Key.

        Returns:
            The report: ``triggered``, ``blocked`` and the failures.
        """
        handle = bulk.trigger_handler(self.trigger, webhook_id=webhook_id)
        resource = "automation triggers"
        return await bulk.push(
            self._api, triggers, handle, resource=resource, key_of=None, options=options
        )


class AsyncAccount(_Resource):
    """``/me``: the key's account."""

    async def me(self) -> Any:
        """The account info of the key (``POST /me``).

        Returns:
            The JSON as Kanal sent it, untyped: the docs list the endpoint without describing
            its answer.
        """
        answer = await self._api.call(ACCOUNT_ME)
        return answer.reply.data
