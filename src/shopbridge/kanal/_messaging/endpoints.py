"""Kanal's five messaging endpoints, each described once (``specs/kanal.md`` §7).

No ``store_id``: the key resolves to one WhatsApp number. None is idempotent by itself: a send
becomes so with its ``Idempotency-Key`` (`shopbridge.core._endpoint.Api.call`), and an
automation trigger takes none. ``POST /templates`` counts against its own window: 60 a minute
per key (§6.2).
"""

from __future__ import annotations

from typing import Any

from shopbridge.core._endpoint import Endpoint
from shopbridge.kanal._messaging.models import AutomationTrigger, Message, TemplateSend

__all__ = [
    "ACCOUNT_ME",
    "AUTOMATION_TRIGGER",
    "MESSAGE_SEND",
    "MESSAGING_ENDPOINTS",
    "MESSAGING_PACE_KEY",
    "TEMPLATES_PACE_KEY",
    "TEMPLATE_LIST",
    "TEMPLATE_SEND",
]

MESSAGING_PACE_KEY = "messaging"
"""The window of the messaging endpoints whose limit the docs do not state."""
TEMPLATES_PACE_KEY = "messaging templates"
"""The window of ``POST /templates``: 60 requests a minute per key."""

MESSAGE_SEND = Endpoint[Any](
    name="messages.send",
    method="POST",
    path="/messages/send",
    schema="message",
    model=Message,
    answer=object,
    idempotent=False,
)
TEMPLATE_SEND = Endpoint[Any](
    name="templates.send",
    method="POST",
    path="/templates",
    schema="template",
    model=TemplateSend,
    answer=object,
    idempotent=False,
    pace_key=TEMPLATES_PACE_KEY,
)
TEMPLATE_LIST = Endpoint[Any](
    name="templates.list",
    method="GET",
    path="/get_templates",
    answer=object,
    idempotent=True,
)
AUTOMATION_TRIGGER = Endpoint[Any](
    name="automations.trigger",
    method="POST",
    path="/automations/{webhook_id}",
    schema="trigger",
    model=AutomationTrigger,
    answer=object,
    idempotent=False,
)
ACCOUNT_ME = Endpoint[Any](
    name="account.me",
    method="POST",
    path="/me",
    answer=object,
    # Undocumented, but "account info" reads nothing into the account: safe to resend.
    idempotent=True,
)

MESSAGING_ENDPOINTS = (MESSAGE_SEND, TEMPLATE_SEND, TEMPLATE_LIST, AUTOMATION_TRIGGER, ACCOUNT_ME)
"""Every messaging endpoint, in the spec's order."""
