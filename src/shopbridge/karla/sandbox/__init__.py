"""The Karla sandbox: an in-memory fake of Karla's REST API, on loopback.

Faithful to ``specs/karla.md`` (§7's checklist) and to Karla's errors page (seed 002): HTTP
Basic with Karla's unusual 400 for missing or wrong credentials, 401 for an expired key, 403
for a shop the key does not reach; shop-scoped stores for orders and their shipments, shops,
settings, campaigns, discounts, announcements, webhooks, claims, the product catalogue (its
variants, cascading deletes), Shopify webhook registrations, and organisations' members; the
error envelope
``{errors, key, message, type}`` with the documented keys; FastAPI's 422 for schema failures;
pagination checks; upserts by ``id`` + ``id_type``; optional signed webhook deliveries to
loopback; an optional 429 limiter (off by default); and, from the shared kit, seeded fault
injection and the ``/_sandbox/`` inspection routes (see `shopbridge._sandbox.server`).

As a server for async code::

    async with KarlaSandbox() as sandbox:
        token = base64.b64encode(f"{DEFAULT_USERNAME}:{DEFAULT_API_KEY}".encode()).decode()
        async with aiohttp.ClientSession(headers={"Authorization": f"Basic {token}"}) as session:
            await session.put(f"{sandbox.base_url}/shops/{DEFAULT_SHOP}/orders", json=upsert)
        assert sandbox.find_order(DEFAULT_SHOP, "1001") is not None

for blocking code, on a background thread::

    with KarlaSandbox(faults="503=0.1", seed=7).running_in_thread() as sandbox:
        ...

and from the command line: ``shopbridge sandbox karla --port 8080``.

The default accounts: `DEFAULT_API_KEY` (username `DEFAULT_USERNAME`) reaches `DEFAULT_SHOP`
only, so it gets 403 on `OTHER_SHOP`, which `OTHER_API_KEY` reaches; `EXPIRED_API_KEY` is
answered 401 and `VIEWER_API_KEY` may only read `DEFAULT_SHOP`. `DEFAULT_ORG`, the default
shops' organisation, has two members.

One private module per job, on the kit (`shopbridge._sandbox`) and Karla's pure modules:

``_server``     `KarlaSandbox`: the order of the checks, the answers, events, the kit's hooks
``_accounts``   the shops and keys (`KarlaAccounts`), and the default ones
``_requests``   reading a request: its operation, its Basic credentials, one 422 for all
``_schema``     request validation as FastAPI's pydantic does it, with its error items
``_models``     the request bodies and search parameters of spec §2, as schemas
``_state``      what the sandbox holds, and the contract between dispatcher and handlers
``_shops``      shops, org members, settings, integration keys and image uploads
``_orders``     orders, shipments, upserts and shipment events
``_tracking``   the order and tracking read models, shipment events, the orders' keyed 422s
``_marketing``  campaigns, discounts and announcements
``_claims``     webhook subscriptions, Shopify webhook registrations and claims
``_catalogue``  the product catalogue: variants upserted in bulk or alone, products deleted
``_delivery``   outbound webhooks: events, their envelope, signed delivery on loopback
``_wire``       Karla's error envelope and FastAPI's bodies
"""

from __future__ import annotations

from shopbridge._sandbox.faults import NO_FAULTS, Faults, FaultSpecError
from shopbridge._sandbox.ratelimit import RateLimit, RateLimitSpecError
from shopbridge._sandbox.records import StoredRecord
from shopbridge._sandbox.runner import serve_until_signalled
from shopbridge._sandbox.stats import SandboxStats
from shopbridge.karla.sandbox._accounts import (
    ALL_SHOPS,
    DEFAULT_ACCOUNTS,
    DEFAULT_API_KEY,
    DEFAULT_ORG,
    DEFAULT_SHOP,
    DEFAULT_USERNAME,
    EXPIRED_API_KEY,
    OTHER_API_KEY,
    OTHER_SHOP,
    VIEWER_API_KEY,
    KarlaAccounts,
    KarlaApiKey,
    KarlaOrgMember,
    KarlaShop,
    Role,
)
from shopbridge.karla.sandbox._delivery import WebhookDelivery
from shopbridge.karla.sandbox._server import LATEST_KARLA_VERSION, KarlaSandbox
from shopbridge.karla.sandbox._wire import ValidationStyle

__all__ = [
    "ALL_SHOPS",
    "DEFAULT_ACCOUNTS",
    "DEFAULT_API_KEY",
    "DEFAULT_ORG",
    "DEFAULT_SHOP",
    "DEFAULT_USERNAME",
    "EXPIRED_API_KEY",
    "LATEST_KARLA_VERSION",
    "NO_FAULTS",
    "OTHER_API_KEY",
    "OTHER_SHOP",
    "VIEWER_API_KEY",
    "FaultSpecError",
    "Faults",
    "KarlaAccounts",
    "KarlaApiKey",
    "KarlaOrgMember",
    "KarlaSandbox",
    "KarlaShop",
    "RateLimit",
    "RateLimitSpecError",
    "Role",
    "SandboxStats",
    "StoredRecord",
    "ValidationStyle",
    "WebhookDelivery",
    "serve_until_signalled",
]
