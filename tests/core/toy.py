"""A toy dialect for the core's tests: its table, error parser, async and blocking clients.

The API (served by `tests.core.toy_sandbox`): ``PUT /toy/{shop}/items/{id}`` upserts an item
(idempotent: 201 created, 200 updated) and ``POST /toy/{shop}/items`` creates one under a new id
(not idempotent: every POST that arrives is another item). Bearer auth; errors are
``{"error": {"key", "message", "fields"}}``. The toy has four rows of its own; 429, 5xx and the
network are left to the core's generic rows, so these tests exercise those rows as they are.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, Unpack, cast

from shopbridge.core._blocking import BlockingFacade
from shopbridge.core._client_base import EngineClient
from shopbridge.core._endpoint import Answer, Endpoint
from shopbridge.core._engine import Engine
from shopbridge.core._pacing import Pacer, PacingBackend, StoreLimiter
from shopbridge.core._transport import Transport, check_base_url
from shopbridge.core._twins import BlockingResource, blocking, blocking_feed
from shopbridge.core.bulk._push import push_records
from shopbridge.core.bulk._report import BulkOutcome, Settled, settle
from shopbridge.core.sansio._http_rules import GENERIC_HTTP_RULES, NETWORK_RULES
from shopbridge.core.sansio._outcome import ErrorBody
from shopbridge.core.sansio._policy import RetryPolicy
from shopbridge.core.sansio._table import DecisionTable, Rule, chain
from shopbridge.core.sansio._verdict import Action

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from shopbridge.core._endpoint import Api
    from shopbridge.core._requests import Reply
    from shopbridge.core.bulk._push import PushOptions, Records
    from shopbridge.core.bulk._report import BulkReport

_T = TypeVar("_T")

API_KEY = "toy-key-5f3a9c1e"
FAST = RetryPolicy(
    max_attempts=6, deadline=20, attempt_timeout=5, backoff_base=0.01, backoff_max=0.05
)

TOY_TABLE = DecisionTable(
    "toy",
    chain(
        [
            Rule(name="toy-201", status=201, action=Action.DONE, reason="Created."),
            Rule(name="toy-200", status=200, action=Action.DONE, reason="Updated."),
            Rule(name="toy-401", status=401, action=Action.FIX_CREDENTIALS, reason="Bad key."),
            Rule(name="toy-422", status=422, action=Action.FIX_PAYLOAD, reason="Fix the item."),
        ],
        NETWORK_RULES,
        GENERIC_HTTP_RULES,
    ),
)
"""Four rows of its own; 429, 5xx and the network are the core's generic rows."""


def parse_error(status: int, data: Any) -> ErrorBody | None:
    """Read ``{"error": {"key", "message", "fields"}}``; anything else is no error body."""
    error = data.get("error") if isinstance(data, Mapping) else None
    if not isinstance(error, Mapping):
        return None
    return ErrorBody(
        key=error.get("key"), message=error.get("message"), field_errors=error.get("fields") or {}
    )


ITEM_PUT = Endpoint(
    name="items.put",
    method="PUT",
    path="/{shop}/items/{item_id}",
    answer=object,
    schema="item",
    idempotent=True,
)
ITEM_CREATE = Endpoint(
    name="items.create",
    method="POST",
    path="/{shop}/items",
    answer=object,
    schema="item",
    idempotent=False,
)


def _upserted(answer: Answer[Any]) -> Settled:
    if answer.status == 201:
        outcome = BulkOutcome.CREATED
    else:  # a 200 after a lost answer may be the update of what that attempt created
        outcome = BulkOutcome.UPSERTED if answer.after_ambiguous else BulkOutcome.UPDATED
    return Settled(outcome=outcome, verdict=answer.verdict, attempts=answer.attempts)


class AsyncItems:
    """``/items``: the toy's one resource, calling its endpoints through the `Api` protocol."""

    def __init__(self, api: Api) -> None:
        self._api = api

    async def put(self, item_id: str, item: Mapping[str, Any]) -> Reply:
        """Upsert an item (idempotent)."""
        return (await self._api.call(ITEM_PUT, item, item_id=item_id)).reply

    async def create(self, item: Mapping[str, Any]) -> Reply:
        """Create an item under a new id (not idempotent)."""
        return (await self._api.call(ITEM_CREATE, item)).reply

    async def push_many(self, items: Records, **options: Unpack[PushOptions]) -> BulkReport:
        """Upsert every item of a stream (each a mapping with an ``id``)."""

        def put(item: Any) -> Awaitable[Answer[Any]]:
            return self._api.call(ITEM_PUT, item, item_id=item["id"])

        return await push_records(
            items,
            lambda item: settle(put(item), _upserted),
            resource="items",
            scope=self._api.scope,
            to_json=dict,
            key_of=lambda item: item["id"],
            options=options,
        )


class AsyncToy(EngineClient):
    """The toy's async client for one shop, built as the real dialects build theirs."""

    _api_name = "Toy"
    _unreadable_consequence = "the item was most likely written."

    def __init__(
        self,
        api_key: str,
        shop: str,
        *,
        base_url: str,
        retry: RetryPolicy = FAST,
        rate_window: float | None = None,
        pacing: PacingBackend | None = None,
    ) -> None:
        self.shop = shop
        self.scope = f"toy shop {shop}"
        self._pace_key = shop
        transport = Transport(
            base_url=check_base_url(base_url, allow_insecure_http=False),
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
            connect_timeout=retry.connect_timeout,
        )
        self._engine = Engine(
            transport=transport,
            table=TOY_TABLE,
            parse_error=parse_error,
            policy=retry,
            pacer=Pacer(
                window=60.0 if rate_window is None else rate_window,
                assumed=rate_window is None,
                backend=pacing,
                api="toy",
                base_url=base_url,
            ),
            secrets=(api_key,),
        )
        # The one every task of the shop shares; in-process unless a test gives a backend.
        self.limiter = cast("StoreLimiter", self._engine.pacer.limiter(shop))
        self.items = AsyncItems(self)

    def _path_value(self, endpoint: Endpoint[Any], name: str, value: object) -> str:
        return self.shop if name == "shop" else str(value)

    def _json_body(self, endpoint: Endpoint[Any], body: object, path: str) -> Any:
        return body  # the toy validates nothing: its server's 422 does

    def _read_answer(self, endpoint: Endpoint[_T], reply: Reply, path: str) -> _T:
        return reply.data  # type: ignore[no-any-return]


class Items(BlockingResource):
    """``/items``, blocking: every method derived from `AsyncItems`."""

    twin_of = AsyncItems
    put = blocking(AsyncItems.put)
    create = blocking(AsyncItems.create)
    push_many = blocking_feed(AsyncItems.push_many)


class Toy(BlockingFacade[AsyncToy]):
    """The blocking twin, derived as kanal/_sync.py derives `Kanal`."""

    def __init__(self, api_key: str, shop: str, **options: Any) -> None:
        super().__init__(functools.partial(AsyncToy, api_key, shop, **options))
        self.items = Items(self, "items")
