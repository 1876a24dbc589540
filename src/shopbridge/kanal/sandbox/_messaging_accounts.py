"""What the Kanal sandbox's messaging API starts with: numbers, templates, automations.

Team A's number (id 56) has the templates 1234 (``first_name``, ``order_number``), 1235 (a
header, a body and a dynamic-URL button: ``order_number``, ``carrier``, ``tracking_url``),
1236 (no variables) and the pending 1237; team B's number (57) has 2001. Automations: one a
contact enters once, one that allows re-entry, an inactive one, a deleted one, and team B's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from attrs import frozen

from shopbridge._sandbox.ratelimit import RateLimit

__all__ = [
    "ACTIVE_WEBHOOK_ID",
    "DEFAULT_AUTOMATIONS",
    "DEFAULT_TEMPLATES",
    "DEFAULT_WINDOW_ERROR",
    "DELETED_WEBHOOK_ID",
    "INACTIVE_WEBHOOK_ID",
    "NUMBERS",
    "OTHER_TEAM_WEBHOOK_ID",
    "REENTRY_WEBHOOK_ID",
    "TEMPLATES_RATE_LIMIT",
    "WINDOW_SECONDS",
    "Automation",
    "WhatsAppTemplate",
]

TEMPLATES_RATE_LIMIT = RateLimit(limit=60, window=60.0)
"""``POST /templates``: 60 requests a minute per key (§6.2)."""
DEFAULT_WINDOW_ERROR = (
    "Cannot send a free-form message outside the 24-hour customer service window; send a "
    "template instead"
)
"""The refusal of a free-form send outside the window (the docs' string is cut off)."""
WINDOW_SECONDS = 24 * 3600.0

ACTIVE_WEBHOOK_ID = "0b0f5a36-3f7e-4c1e-9f7a-2d5c1e8a9b10"
"""Team A's active automation; a contact enters it once (no re-entry)."""
REENTRY_WEBHOOK_ID = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
"""Team A's active automation that a contact may enter again."""
INACTIVE_WEBHOOK_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
"""Team A's inactive automation: 400 "Automation is not active"."""
DELETED_WEBHOOK_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
"""A webhook node whose automation was deleted: 404 "Automation not found"."""
OTHER_TEAM_WEBHOOK_ID = "7e6d5c4b-3a29-4817-a6b5-c4d3e2f1a0b9"
"""Team B's automation: team A's key gets 401 "Invalid API key"."""

NUMBERS = {"team-a": (56, "33600000056"), "team-b": (57, "33600000057")}
"""Each team's WhatsApp number: its id and its digits."""


@frozen(kw_only=True)
class WhatsAppTemplate:
    """A template of a WhatsApp number; `structure` is served as a JSON string."""

    id: int
    phone_number_id: int
    name: str
    structure: Mapping[str, Any]
    wa_status: str = "APPROVED"

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables a send must give: header, body, dynamic-URL buttons."""
        names: list[str] = []
        for part in ("header", "body"):
            section = self.structure.get(part) or {}
            names += [variable["name"] for variable in section.get("variables", ())]
        names += [b["name"] for b in self.structure.get("buttons", ()) if b.get("dynamic")]
        return tuple(names)

    def to_json(self) -> dict[str, Any]:
        """The element of ``get_templates``' array."""
        return {
            "id": self.id,
            "phone_number_id": self.phone_number_id,
            "name": self.name,
            "wa_status": self.wa_status,
            "structure": orjson.dumps(self.structure).decode(),
            "created_at": "2026-01-10T12:00:00.000000Z",
            "updated_at": "2026-01-11T09:30:00.000000Z",
        }


def _vars(*names: str) -> list[dict[str, str]]:
    return [{"name": name} for name in names]


DEFAULT_TEMPLATES = (
    WhatsAppTemplate(
        id=1234,
        phone_number_id=56,
        name="order_confirmation",
        structure={
            "body": {
                "text": "Hi {{first_name}}, your order {{order_number}} is confirmed.",
                "variables": _vars("first_name", "order_number"),
            }
        },
    ),
    WhatsAppTemplate(
        id=1235,
        phone_number_id=56,
        name="shipping_update",
        structure={
            "header": {
                "format": "TEXT",
                "text": "Order {{order_number}}",
                "variables": _vars("order_number"),
            },
            "body": {"text": "On its way with {{carrier}}.", "variables": _vars("carrier")},
            "buttons": [
                {"type": "URL", "text": "Track", "name": "tracking_url", "dynamic": True},
                {"type": "QUICK_REPLY", "text": "Stop"},
            ],
        },
    ),
    WhatsAppTemplate(
        id=1236, phone_number_id=56, name="welcome", structure={"body": {"text": "Welcome!"}}
    ),
    WhatsAppTemplate(
        id=1237,
        phone_number_id=56,
        name="summer_promo",
        structure={"body": {"text": "Soon."}},
        wa_status="PENDING",
    ),
    WhatsAppTemplate(
        id=2001, phone_number_id=57, name="bonjour", structure={"body": {"text": "Bonjour"}}
    ),
)
"""Team A's number (56): 1234 and 1235 take variables, 1236 none, 1237 is pending; team B's
number (57): 2001."""


@frozen(kw_only=True)
class Automation:
    """An automation with an Incoming Webhook trigger node."""

    webhook_id: str
    team: str
    active: bool = True
    allow_reentry: bool = False
    deleted: bool = False


DEFAULT_AUTOMATIONS = (
    Automation(webhook_id=ACTIVE_WEBHOOK_ID, team="team-a"),
    Automation(webhook_id=REENTRY_WEBHOOK_ID, team="team-a", allow_reentry=True),
    Automation(webhook_id=INACTIVE_WEBHOOK_ID, team="team-a", active=False),
    Automation(webhook_id=DELETED_WEBHOOK_ID, team="team-a", deleted=True),
    Automation(webhook_id=OTHER_TEAM_WEBHOOK_ID, team="team-b"),
)
