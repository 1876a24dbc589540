"""The Kanal conformance table: request bodies and the answers Laravel gives them.

Worked out from Laravel's source (see `test_kanal_conformance`); ``errors`` ``None`` means
accepted; ``message`` is the 422's top-level message when it is not the first error alone.
"""

from __future__ import annotations

import copy
from typing import Any

from attrs import frozen

PHONE = "+33612345678"
ORDER: dict[str, Any] = {
    "external_id": "ORDER-1",
    "placed_at": "2026-05-18T10:00:00Z",
    "total_price": 49.9,
    "customer": {"phone": PHONE},
}
CHECKOUT: dict[str, Any] = {
    "external_id": "CHECKOUT-1",
    "abandoned_at": "2026-05-18T09:40:00Z",
    "total_price": "49.90",
    "customer": {"phone": PHONE},
}
CUSTOMER: dict[str, Any] = {"phone": PHONE}
SHIPMENT: dict[str, Any] = {"external_id": "SHIP-1", "order_external_id": "ORDER-1"}
FULL_ORDER: dict[str, Any] = {
    **ORDER,
    "currency": "EUR",
    "financial_status": "paid",
    "fulfillment_status": "unfulfilled",
    "customer": {
        "phone": PHONE,
        "external_id": "CUST-42",
        "first_name": "Marie",
        "last_name": "Curie",
        "email": "marie@example.com",
        "locale": "fr",
        "tags": ["vip"],
        "lifetime_value": 1299,
        "orders_count": 7,
    },
    "line_items": [{"title": "T-shirt Bordeaux", "quantity": 2, "price": 24.95}],
    "tags": ["first-order"],
    "metadata": {"source": "shopify"},
}

Errors = dict[str, list[str]]


@frozen
class Row:
    """One payload and Laravel's answer to it (``None``: accepted)."""

    id: str
    endpoint: str  # "orders", "checkouts", "customers", "shipments", "orders PATCH", ...
    body: dict[str, Any]
    errors: Errors | None = None
    message: str | None = None  # the 422's `message` when it is not the first error alone


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(base)
    body.update(changes)
    return body


def order_customer(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(FULL_ORDER)
    body["customer"].update(changes)
    return body


def without(base: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in copy.deepcopy(base).items() if key not in keys}


def one(path: str, *messages: str) -> Errors:
    return {path: list(messages)}


ACCEPTED = [
    Row("order-minimal", "orders", ORDER),
    Row("order-full", "orders", FULL_ORDER),
    Row("date-american-strtotime", "orders", with_(ORDER, placed_at="01/01/2000")),
    Row("date-sql", "orders", with_(ORDER, placed_at="2026-05-18 10:00:00")),
    Row("date-rfc-2822", "orders", with_(ORDER, placed_at="Mon, 18 May 2026 10:00:00 +0000")),
    Row("numeric-string", "orders", with_(ORDER, total_price="49.90")),
    Row("numeric-zero", "orders", with_(ORDER, total_price=0)),
    Row("metadata-list-is-a-php-array", "orders", with_(ORDER, metadata=["a", "b"])),
    Row(
        "line-items-object-is-a-php-array",
        "orders",
        with_(ORDER, line_items={"first": {"title": "T-shirt"}}),
    ),
    Row("integer-digit-string", "customers", with_(CUSTOMER, lifetime_value="1299")),
    Row("integer-float-one", "customers", with_(CUSTOMER, orders_count=1.0)),
    Row("integer-true-is-1-to-filter-var", "customers", with_(CUSTOMER, orders_count=True)),
    Row("email-quoted-local-part", "customers", with_(CUSTOMER, email='"marie curie"@example.com')),
    Row("email-ipv6-literal", "customers", with_(CUSTOMER, email="marie@[IPv6:2001:db8::1]")),
    Row("email-no-tld", "customers", with_(CUSTOMER, email="marie@localhost")),
    Row(
        "url-query-and-fragment",
        "checkouts",
        with_(CHECKOUT, recovery_url="https://shop.example.com/r/7700?token=a%20b#resume"),
    ),
    Row("url-ipv6-host-port", "shipments", with_(SHIPMENT, tracking_url="http://[::1]:8080/t")),
    Row("trim-zero-width-before-size", "orders", with_(ORDER, currency=" EUR\u200b")),
    Row(
        "trim-bom-around-phone",
        "customers",
        with_(CUSTOMER, phone="\ufeff+33612345678\u200b"),
    ),
    Row("empty-string-is-null", "orders", with_(ORDER, financial_status="", currency="")),
    Row("checkout-status", "checkouts PATCH", {"status": "recovered"}),
    Row("order-tags-emptied", "orders PATCH", {"tags": []}),
]

REFUSED = [
    Row(
        "seed-example",
        "orders",
        with_(ORDER, customer={"first_name": "Marie"}),
        one("customer.phone", "The customer.phone field is required."),
    ),
    Row(
        "zero-width-space-phone",
        "customers",
        with_(CUSTOMER, phone="\u200b"),
        one("phone", "The phone field is required."),
    ),
    Row(
        "bom-phone",
        "customers",
        with_(CUSTOMER, phone=" \ufeff "),
        one("phone", "The phone field is required."),
    ),
    Row(
        "no-bail-integer-and-min",
        "customers",
        with_(CUSTOMER, lifetime_value=-1.5),
        one(
            "lifetime_value",
            "The lifetime value field must be an integer.",
            "The lifetime value field must be at least 0.",
        ),
        "The lifetime value field must be an integer. (and 1 more error)",
    ),
    Row(
        "integer-leading-zero",
        "customers",
        with_(CUSTOMER, lifetime_value="007"),
        one("lifetime_value", "The lifetime value field must be an integer."),
    ),
    Row(
        "integer-beyond-64-bits",
        "customers",
        with_(CUSTOMER, orders_count=2**63),
        one("orders_count", "The orders count field must be an integer."),
    ),
    Row(
        "integer-fraction",
        "customers",
        with_(CUSTOMER, orders_count=12.5),
        one("orders_count", "The orders count field must be an integer."),
    ),
    Row(
        "wildcard-array-raw-attribute",
        "orders",
        with_(ORDER, line_items=[{"title": "a"}, "c"]),
        one("line_items.1", "The line_items.1 field must be an array."),
    ),
    Row(
        "wildcard-empty-string-item-is-null",
        "orders",
        with_(ORDER, line_items=[""]),
        one("line_items.0", "The line_items.0 field must be an array."),
    ),
    Row(
        "wildcard-string",
        "orders",
        with_(ORDER, tags=["ok", 5]),
        one("tags.1", "The tags.1 field must be a string."),
    ),
    Row(
        "wildcard-null-item",
        "customers",
        with_(CUSTOMER, tags=[None]),
        one("tags.0", "The tags.0 field must be a string."),
    ),
    Row(
        "wildcard-after-plain-attributes",
        "orders",
        order_customer(tags=[5], lifetime_value=-1),
        {
            "customer.lifetime_value": ["The customer.lifetime value field must be at least 0."],
            "customer.tags.0": ["The customer.tags.0 field must be a string."],
        },
        "The customer.lifetime value field must be at least 0. (and 1 more error)",
    ),
    Row(
        "wildcard-scalars-before-nested-items",
        "orders",
        with_(ORDER, tags=[["x"], 5]),
        {
            "tags.1": ["The tags.1 field must be a string."],
            "tags.0": ["The tags.0 field must be a string."],
        },
        "The tags.1 field must be a string. (and 1 more error)",
    ),
    Row(
        "email-dot-at-end",
        "customers",
        with_(CUSTOMER, email="example.@x.com"),
        one("email", "The email field must be a valid email address."),
    ),
    Row(
        "email-consecutive-dots",
        "customers",
        with_(CUSTOMER, email="a..b@x.com"),
        one("email", "The email field must be a valid email address."),
    ),
    Row(
        "email-semicolon",
        "customers",
        with_(CUSTOMER, email="test;123@x.com"),
        one("email", "The email field must be a valid email address."),
    ),
    Row(
        "email-hyphen-after-at",
        "orders",
        order_customer(email="x@-localhost"),
        one("customer.email", "The customer.email field must be a valid email address."),
    ),
    Row(
        "email-not-a-string-fails-both-rules",
        "customers",
        with_(CUSTOMER, email=7),
        one(
            "email",
            "The email field must be a string.",
            "The email field must be a valid email address.",
        ),
        "The email field must be a string. (and 1 more error)",
    ),
    Row(
        "email-valid-but-too-long",
        "customers",
        with_(CUSTOMER, email="m" * 250 + "@example.com"),
        one("email", "The email field must not be greater than 255 characters."),
    ),
    Row(
        "url-unknown-scheme",
        "checkouts",
        with_(CHECKOUT, recovery_url="foo://bar"),
        one("recovery_url", "The recovery url field must be a valid URL."),
    ),
    Row(
        "url-bad-port",
        "shipments",
        with_(SHIPMENT, tracking_url="http://google.com:aa"),
        one("tracking_url", "The tracking url field must be a valid URL."),
    ),
    Row(
        "url-javascript",
        "checkouts PATCH",
        {"recovery_url": "javascript://test%0Aalert(321)"},
        one("recovery_url", "The recovery url field must be a valid URL."),
    ),
    Row(
        "url-without-scheme",
        "checkouts",
        with_(CHECKOUT, recovery_url="shop.example.com/recover"),
        one("recovery_url", "The recovery url field must be a valid URL."),
    ),
    Row(
        "date-day-first",
        "orders",
        with_(ORDER, placed_at="18/05/2026"),
        one("placed_at", "The placed at field must be a valid date."),
    ),
    Row(
        "date-no-such-day",
        "checkouts",
        with_(CHECKOUT, abandoned_at="2026-02-30"),
        one("abandoned_at", "The abandoned at field must be a valid date."),
    ),
    Row(
        "date-unix-seconds",
        "orders",
        with_(ORDER, placed_at="1325376000"),
        one("placed_at", "The placed at field must be a valid date."),
    ),
    Row(
        "numeric-comma",
        "orders",
        with_(ORDER, total_price="49,90"),
        one("total_price", "The total price field must be a number."),
    ),
    Row(
        "numeric-min",
        "orders",
        with_(ORDER, total_price=-0.01),
        one("total_price", "The total price field must be at least 0."),
    ),
    Row(
        "numeric-string-min",
        "checkouts",
        with_(CHECKOUT, total_price="-1"),
        one("total_price", "The total price field must be at least 0."),
    ),
    Row(
        "required-empty-array",
        "orders",
        with_(ORDER, total_price=[]),
        one("total_price", "The total price field is required."),
    ),
    Row(
        "size",
        "orders",
        with_(ORDER, currency="EURO"),
        one("currency", "The currency field must be 3 characters."),
    ),
    Row(
        "size-of-a-number-is-its-length",
        "orders",
        with_(ORDER, currency=12),
        one(
            "currency",
            "The currency field must be a string.",
            "The currency field must be 3 characters.",
        ),
        "The currency field must be a string. (and 1 more error)",
    ),
    Row(
        "string-number",
        "shipments",
        with_(SHIPMENT, external_id=1001),
        one("external_id", "The external id field must be a string."),
    ),
    Row(
        "max",
        "orders",
        with_(ORDER, external_id="x" * 256),
        one("external_id", "The external id field must not be greater than 255 characters."),
    ),
    Row(
        "max-64",
        "orders PATCH",
        {"financial_status": "p" * 65},
        one(
            "financial_status", "The financial status field must not be greater than 64 characters."
        ),
    ),
    Row(
        "array",
        "orders",
        with_(ORDER, tags="vip", metadata="a"),
        {
            "tags": ["The tags field must be an array."],
            "metadata": ["The metadata field must be an array."],
        },
        "The tags field must be an array. (and 1 more error)",
    ),
    Row(
        "customer-not-an-array",
        "orders",
        with_(ORDER, customer=PHONE),
        {
            "customer": ["The customer field must be an array."],
            "customer.phone": ["The customer.phone field is required."],
        },
        "The customer field must be an array. (and 1 more error)",
    ),
    Row(
        "in",
        "checkouts PATCH",
        {"status": "lost"},
        one("status", "The selected status is invalid."),
    ),
    Row(
        "in-null-without-nullable",
        "checkouts PATCH",
        {"status": None},
        one("status", "The selected status is invalid."),
    ),
    Row(
        "in-case-sensitive",
        "shipments",
        with_(SHIPMENT, status="IN_TRANSIT"),
        one("status", "The selected status is invalid."),
    ),
    Row(
        "every-required-field",
        "orders",
        {},
        {
            "external_id": ["The external id field is required."],
            "placed_at": ["The placed at field is required."],
            "total_price": ["The total price field is required."],
            "customer": ["The customer field is required."],
            "customer.phone": ["The customer.phone field is required."],
        },
        "The external id field is required. (and 4 more errors)",
    ),
]

ROWS = ACCEPTED + REFUSED
