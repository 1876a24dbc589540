"""What ``shopbridge push`` pushes, by API: light, so the click choices cost nothing to import."""

from __future__ import annotations

__all__ = ["KANAL_MESSAGING_RESOURCES", "KANAL_RESOURCES", "KARLA_RESOURCES"]

KANAL_MESSAGING_RESOURCES = ("template-messages", "automation-triggers")
"""What ``shopbridge push kanal`` sends through the messaging API (no ``--store`` needed):
template sends, each with an Idempotency-Key derived from the record and its position, and
automation triggers (each record names its ``webhook_id``)."""
KANAL_RESOURCES = (
    "orders",
    "checkouts",
    "customers",
    "shipments",
    "customer-deletions",
    *KANAL_MESSAGING_RESOURCES,
)
"""What ``shopbridge push kanal`` pushes; ``customer-deletions`` erases customers (GDPR)."""
KARLA_RESOURCES = ("orders", "products", "campaigns", "discounts", "announcements")
"""What ``shopbridge push karla`` pushes: order and catalogue upserts, and creates."""
