"""Kanal's messaging API as typed values (``specs/kanal.md`` §7): what you send, what comes back.

Requests: `Message` (a free-form WhatsApp message, ``POST /messages/send``), `TemplateSend`
(``POST /templates``) and `AutomationTrigger` (``POST /automations/{webhook_id}``). Answers:
`Sent` (a send, or its replay), `Template` (``GET /get_templates``, its JSON-string
``structure`` read into `TemplateStructure`) and `Triggered`. ``POST /me`` is undocumented: its
answer is returned untyped.

The wire form (``to_wire``) leaves out every optional field that is ``None``; answers are read
tolerantly (unknown fields ignored, missing optional ones ``None``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypeAlias

import orjson
from attrs import field, frozen

from shopbridge.core.sansio._verdict import Verdict

__all__ = [
    "MESSAGE_TYPES",
    "AutomationTrigger",
    "Message",
    "MessageType",
    "Sent",
    "Template",
    "TemplateBody",
    "TemplateButton",
    "TemplateHeader",
    "TemplateSend",
    "TemplateStructure",
    "Triggered",
]

MessageType: TypeAlias = Literal["text", "image", "video", "audio", "document"]
MESSAGE_TYPES: tuple[MessageType, ...] = ("text", "image", "video", "audio", "document")
"""The values of ``type`` (spec §7.1)."""


def _variables(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return None if value is None else dict(value)


@frozen(kw_only=True)
class Message:
    """A free-form message (``POST /messages/send``).

    Allowed only inside the contact's open 24-hour customer-service window; outside it, send
    a template.

    Attributes:
        to: the recipient's phone number with its country code (``+33 6 12 34 56 78``: Kanal
            strips the non-digits).
        type: ``text``, ``image``, ``video``, ``audio`` or ``document``.
        body: the text, for ``type="text"``.
        link: the media's URL, for every other type.
        caption: the caption, for ``image`` and ``video`` only (Kanal ignores it otherwise, so
            the client refuses it there).
    """

    to: str
    type: MessageType = "text"
    body: str | None = None
    link: str | None = None
    caption: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The JSON body: ``{"to", "type", "<type>": {...}}``, Meta-style."""
        content: dict[str, Any] = {}
        if self.type == "text":
            if self.body is not None:
                content["body"] = self.body
        else:
            if self.link is not None:
                content["link"] = self.link
            if self.caption is not None:
                content["caption"] = self.caption
        return {"to": self.to, "type": self.type, self.type: content}


@frozen(kw_only=True)
class TemplateSend:
    """An approved template sent to one contact (``POST /templates``), even outside the window.

    Attributes:
        template_id: the template's id (from `AsyncTemplates.list`).
        phone_number: the recipient; non-digits are stripped.
        variables: the template's variables, a flat map keyed by the names it declares
            (header, body and dynamic-URL buttons; `TemplateStructure.variables`).
        clean_for_country: ``cleanForCountry`` on the wire: a country (``"FR"``) whose
            national numbers Kanal rewrites (drops a leading ``0``, adds ``33`` if missing).
        name: the contact's name, if Kanal creates the contact (it defaults to ``Unknown``).
        email: the contact's email, if Kanal creates the contact.
    """

    template_id: int
    phone_number: str
    variables: Mapping[str, Any] | None = field(default=None, converter=_variables)
    clean_for_country: str | None = None
    name: str | None = None
    email: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The JSON body, with Kanal's camelCase ``cleanForCountry``."""
        data: dict[str, Any] = {"template_id": self.template_id, "phone_number": self.phone_number}
        optional = {
            "variables": self.variables,
            "cleanForCountry": self.clean_for_country,
            "name": self.name,
            "email": self.email,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data


@frozen(kw_only=True)
class AutomationTrigger:
    """A contact sent into an automation through its Incoming Webhook trigger node.

    Attributes:
        phone_number: the contact; non-digits are stripped.
        variables: any key→value map, injected into the automation's session variables.
        shopify_customer_id: links the contact to a Shopify customer; must be numeric.
    """

    phone_number: str
    variables: Mapping[str, Any] | None = field(default=None, converter=_variables)
    shopify_customer_id: int | str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The JSON body."""
        data: dict[str, Any] = {"phone_number": self.phone_number}
        if self.variables is not None:
            data["variables"] = self.variables
        if self.shopify_customer_id is not None:
            data["shopify_customer_id"] = self.shopify_customer_id
        return data


@frozen(kw_only=True)
class Sent:
    """How a send ended: sent now (200), or already sent by an earlier call with its key (201).

    Attributes:
        already_sent: ``True`` for a 201 replay: Kanal had seen this ``Idempotency-Key`` and
            did not send the message again (an earlier attempt or run had sent it).
        idempotency_key: the key the send carried (``None``: sent without one).
        message: Kanal's message (``Message sent successfully``, or the replay's).
        message_id: the message's id (``None`` on a replay: Kanal does not repeat it).
        contact_id: the contact's id (``None`` on a replay).
        phone_number: the recipient as Kanal stored it, digits only (``None`` on a replay).
        verdict: the decision-table verdict of the attempt that settled it.
        attempts: attempts made.
    """

    already_sent: bool
    idempotency_key: str | None
    message: str | None = None
    message_id: int | None = None
    contact_id: int | None = None
    phone_number: str | None = None
    verdict: Verdict
    attempts: int


@frozen(kw_only=True)
class Triggered:
    """How an automation trigger ended.

    Attributes:
        blocked: ``True`` when the automation's re-entry rule blocked the contact (200
            "Contact blocked by re-entry rule"): no flow ran, and resending changes nothing.
        message: Kanal's message (``Incoming webhook triggered``, or the block's).
        verdict: the decision-table verdict.
        attempts: attempts made.
    """

    blocked: bool
    message: str | None
    verdict: Verdict
    attempts: int


@frozen(kw_only=True)
class TemplateHeader:
    """A template's header: its format (``TEXT``, ``IMAGE`` ...), text and variables."""

    format: str | None = None
    text: str | None = None
    variables: tuple[str, ...] = ()


@frozen(kw_only=True)
class TemplateBody:
    """A template's body: its text and the names of its variables (``variables[].name``)."""

    text: str | None = None
    variables: tuple[str, ...] = ()


@frozen(kw_only=True)
class TemplateButton:
    """A template's button.

    A dynamic-URL button takes its URL from the variable named after it (`name`); static-URL
    and quick-reply buttons take none.
    """

    type: str | None = None
    text: str | None = None
    name: str | None = None
    url: str | None = None
    dynamic: bool = False

    @property
    def variable(self) -> str | None:
        """The variable this button needs, if it is a dynamic URL."""
        return self.name if self.dynamic and self.name else None


@frozen(kw_only=True)
class TemplateStructure:
    """A template's ``structure``, read from the JSON string Kanal returns."""

    header: TemplateHeader | None = None
    body: TemplateBody | None = None
    buttons: tuple[TemplateButton, ...] = ()

    @property
    def variables(self) -> tuple[str, ...]:
        """Every variable a send must give, in order: header, body, dynamic-URL buttons."""
        names: list[str] = []
        for name in (
            *(self.header.variables if self.header is not None else ()),
            *(self.body.variables if self.body is not None else ()),
            *(button.variable for button in self.buttons),
        ):
            if name is not None and name not in names:
                names.append(name)
        return tuple(names)

    @classmethod
    def parse(cls, text: object) -> TemplateStructure | None:
        """Read a ``structure`` (a JSON string, or already an object); ``None`` if unreadable."""
        data: Any = text
        if isinstance(text, str | bytes):
            try:
                data = orjson.loads(text)
            except orjson.JSONDecodeError:
                return None
        if not isinstance(data, Mapping):
            return None
        header, body = data.get("header"), data.get("body")
        buttons = data.get("buttons")
        return cls(
            header=TemplateHeader(
                format=_text(header.get("format") or header.get("type")),
                text=_text(header.get("text")),
                variables=_names(header.get("variables")),
            )
            if isinstance(header, Mapping)
            else None,
            body=TemplateBody(text=_text(body.get("text")), variables=_names(body.get("variables")))
            if isinstance(body, Mapping)
            else None,
            buttons=tuple(
                TemplateButton(
                    type=_text(button.get("type")),
                    text=_text(button.get("text")),
                    name=_text(button.get("name")),
                    url=_text(button.get("url")),
                    dynamic=bool(button.get("dynamic")),
                )
                for button in buttons
                if isinstance(button, Mapping)
            )
            if isinstance(buttons, list)
            else (),
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _names(values: object) -> tuple[str, ...]:
    # Variables are {"name": ...} objects in the docs; a bare name is read too.
    if not isinstance(values, list):
        return ()
    names = []
    for value in values:
        name = value.get("name") if isinstance(value, Mapping) else value
        if isinstance(name, str) and name:
            names.append(name)
    return tuple(names)


@frozen(kw_only=True)
class Template:
    """An approved template of the key's WhatsApp number (``GET /get_templates``).

    Attributes:
        id: the ``template_id`` to send it with.
        name: its name (``order_confirmation``).
        wa_status: its WhatsApp status (``APPROVED``).
        phone_number_id: the WhatsApp number it belongs to.
        structure: header, body and buttons with their variable names, read from the JSON
            string Kanal returns; ``None`` when that string is not readable JSON.
        raw_structure: the string as Kanal returned it.
        created_at: when it was created.
        updated_at: when it last changed.
    """

    id: int
    name: str | None = None
    wa_status: str | None = None
    phone_number_id: int | None = None
    structure: TemplateStructure | None = None
    raw_structure: str | None = field(default=None, repr=False)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables a send of this template must give (none when unknown)."""
        return self.structure.variables if self.structure is not None else ()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Template:
        """Read one element of ``get_templates``' array.

        Raises:
            ValueError: it has no integer ``id``.
        """
        template_id = data.get("id")
        if not isinstance(template_id, int) or isinstance(template_id, bool):
            msg = "a template without an integer id"
            raise ValueError(msg)
        raw = data.get("structure")
        phone_number_id = data.get("phone_number_id")
        return cls(
            id=template_id,
            name=_text(data.get("name")),
            wa_status=_text(data.get("wa_status")),
            phone_number_id=phone_number_id if isinstance(phone_number_id, int) else None,
            structure=TemplateStructure.parse(raw),
            raw_structure=raw if isinstance(raw, str) else None,
            created_at=_timestamp(data.get("created_at")),
            updated_at=_timestamp(data.get("updated_at")),
        )


def _timestamp(value: object) -> datetime | None:
    # Laravel's default: 2026-01-10T12:00:00.000000Z (microseconds, Z).
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
