"""The Kanal sandbox: an in-memory fake of Kanal's commerce API, on loopback.

Faithful to ``specs/kanal.md`` and to Kanal's errors page: the bearer-key and store checks
in the documented order with their exact ``{"error": ...}`` bodies, Laravel's 422 validation
bodies (from `shopbridge.kanal._validation.schemas`), upserts keyed on
``(store_id, external_id)``, the documented response bodies, Laravel's fixed-window rate
limiter and its headers; plus seeded fault injection and read-only inspection routes (see
`shopbridge._sandbox.server`).

As a server for async code::

    async with KanalSandbox() as sandbox:
        kanal = AsyncKanal(DEFAULT_API_KEY, DEFAULT_STORE_ID, base_url=sandbox.base_url)
        async with kanal:
            await kanal.orders.upsert(order)
        assert sandbox.writes(DEFAULT_STORE_ID, "orders", order.external_id) == 1

for blocking code, on a background thread::

    with KanalSandbox(faults="503=0.1,drop_after=0.05", seed=7).running_in_thread() as sandbox:
        ...

and from the command line: ``shopbridge sandbox kanal --port 8080``.

The default accounts: `DEFAULT_API_KEY` belongs to team A, which owns store 1 and the paused
store 2; `OTHER_TEAM_API_KEY` belongs to team B, which owns store 3; `SINGLE_STORE_API_KEY` is
team A's key that Kanal restricted to store 1 (spec §2.3).

One private module per job, on the kit (`shopbridge._sandbox`) and Kanal's pure modules:

``_server``    `KanalSandbox`: the checks in the documented order, the writes, the kit's hooks
``_accounts``  the stores and keys (`KanalAccounts`), and the default ones
``_routes``    the seven routes and the resource each writes: its schemas, body and 404
``_bodies``    the response bodies of the four upserts, from a stored record
``_laravel``   what a Laravel backend does around every request (input, 404/405/429, casts)
``_messaging``  the WhatsApp messaging API: subscriptions, templates, 24-hour windows, sends
``_messaging_accounts``  the messaging fixtures: teams' subscriptions, templates, automations
"""

from __future__ import annotations

from shopbridge._sandbox.faults import NO_FAULTS, Faults, FaultSpecError
from shopbridge._sandbox.ratelimit import RateLimit, RateLimitSpecError
from shopbridge._sandbox.records import StoredRecord
from shopbridge._sandbox.runner import serve_until_signalled
from shopbridge._sandbox.stats import SandboxStats
from shopbridge.kanal.sandbox._accounts import (
    DEFAULT_ACCOUNTS,
    DEFAULT_API_KEY,
    DEFAULT_STORE_ID,
    OTHER_TEAM_API_KEY,
    OTHER_TEAM_STORE_ID,
    PAUSED_STORE_ID,
    SINGLE_STORE_API_KEY,
    KanalAccounts,
    KanalApiKey,
    KanalStore,
)
from shopbridge.kanal.sandbox._messaging import MessagingSandbox
from shopbridge.kanal.sandbox._messaging_accounts import (
    ACTIVE_WEBHOOK_ID,
    DELETED_WEBHOOK_ID,
    INACTIVE_WEBHOOK_ID,
    OTHER_TEAM_WEBHOOK_ID,
    REENTRY_WEBHOOK_ID,
)
from shopbridge.kanal.sandbox._server import DEFAULT_RATE_LIMIT, KanalSandbox

__all__ = [
    "ACTIVE_WEBHOOK_ID",
    "DEFAULT_ACCOUNTS",
    "DEFAULT_API_KEY",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_STORE_ID",
    "DELETED_WEBHOOK_ID",
    "INACTIVE_WEBHOOK_ID",
    "NO_FAULTS",
    "OTHER_TEAM_API_KEY",
    "OTHER_TEAM_STORE_ID",
    "OTHER_TEAM_WEBHOOK_ID",
    "PAUSED_STORE_ID",
    "REENTRY_WEBHOOK_ID",
    "SINGLE_STORE_API_KEY",
    "FaultSpecError",
    "Faults",
    "KanalAccounts",
    "KanalApiKey",
    "KanalSandbox",
    "KanalStore",
    "MessagingSandbox",
    "RateLimit",
    "RateLimitSpecError",
    "SandboxStats",
    "StoredRecord",
    "serve_until_signalled",
]
