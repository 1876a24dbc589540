"""What the Karla sandbox holds, and the contract between its dispatcher and its handlers.

`KarlaState` keeps every resource in the shared `RecordStore`, scoped by shop slug and keyed by
Karla UUID (so the ``/_sandbox/`` routes and ``writes()`` see them), plus the lookups Karla's
semantics need without scanning: orders by ``external_id``, ``order_number`` and
``order_name``, an order's shipments, and shipments by tracking number.

A handler is a function ``(state, call) -> payload``: the sandbox has authenticated the call
and validated its path, query and body (`Call`) before; the handler raises
`shopbridge.karla.sandbox._wire.KarlaError` (or ``DetailError``) to refuse it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from shopbridge.karla.sandbox._schema import Field, Kind

if TYPE_CHECKING:
    from shopbridge._sandbox.records import RecordStore

__all__ = ["ORDER_ID_TYPES", "Call", "Endpoint", "Event", "Handler", "KarlaState", "paginate"]

ORDER_ID_TYPES = ("uuid", "external_id", "order_name", "order_number")
"""The ``id_type`` values of an order upsert (spec §2.2)."""

_INDEXED_ORDER_FIELDS = ("external_id", "order_name", "order_number")


@frozen(kw_only=True)
class Event:
    """Something that happened, for the webhook subscriptions (spec §6.4).

    Attributes:
        source: ``shipments`` or ``claims``.
        ref: e.g. ``shipments/delivered/SUCCESSFULLY_DELIVERED``, ``claims/created``.
        event_group: e.g. ``shipment_delivered``.
        event_data: the source-specific data.
        context: ``{order, customer, shipments, claims}``.
    """

    source: str
    ref: str
    event_group: str
    event_data: Mapping[str, Any]
    context: Mapping[str, Any]


@frozen(kw_only=True)
class Call:
    """One authenticated, validated API call.

    Attributes:
        shop: the shop slug of the path (``None`` for ``/v1/shops`` itself).
        api_key: the key it was made with.
        path: the path parameters, validated (UUIDs canonical).
        query: the query parameters of the endpoint, validated (absent ones ``None``).
        body: the validated body (``None`` for an endpoint that takes none).
    """

    shop: str | None
    api_key: str
    path: Mapping[str, Any] = field(factory=dict)
    query: Mapping[str, Any] = field(factory=dict)
    body: Any = None

    @property
    def slug(self) -> str:
        """The shop slug; only for shop-scoped endpoints."""
        assert self.shop is not None  # noqa: S101 - the route table guarantees it
        return self.shop


Handler = Callable[["KarlaState", Call], Any]


@frozen(kw_only=True)
class Endpoint:
    """One operation: a route, what it takes, and its handler.

    Attributes:
        method: the HTTP method.
        pattern: the path below ``/v1`` (``/shops/{slug}/orders``).
        handler: answers the call.
        body: the body's kind (``None``: the endpoint takes no body).
        query: the query parameters it reads (pagination is added when `paged`).
        paged: a search: ``page`` and ``per_page`` are validated and given to the handler.
        upload: the body is ``multipart/form-data`` with an ``image`` file.
    """

    method: str
    pattern: str
    handler: Handler
    body: Kind | None = None
    query: tuple[Field, ...] = ()
    paged: bool = False
    upload: bool = False


def paginate(items: list[Any], call: Call) -> list[Any]:
    """The page of `items` that the call's ``page`` and ``per_page`` select."""
    page, per_page = call.query["page"], call.query["per_page"]
    start = (page - 1) * per_page
    return items[start : start + per_page]


class KarlaState:
    """Every shop's resources, with Karla's lookups. Thread-safe.

    Args:
        records: the sandbox's record store.
        emit: called with the shop slug and each `Event` a write produces.
        reachable: whether an API key may reach a shop (by slug).
        members: every organisation's members, as ``GET /orgs/{org}/members`` answers them.
    """

    def __init__(
        self,
        records: RecordStore,
        *,
        emit: Callable[[str, Event], None],
        reachable: Callable[[str, str], bool],
        members: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.records = records
        self.emit = emit
        self.reachable = reachable
        self.members = tuple(dict(member) for member in members)
        self._lock = threading.RLock()
        self._shops: dict[str, None] = {}
        self._orders: dict[tuple[str, str, str], str] = {}
        self._order_keys: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        self._shipments: dict[tuple[str, str], list[str]] = {}
        self._trackings: dict[tuple[str, str, str], str] = {}
        self._grants: dict[str, set[str]] = {}

    @staticmethod
    def now() -> str:
        """The time now, ISO 8601 with ``+00:00``, to the second."""
        return datetime.now(UTC).isoformat(timespec="seconds")

    @staticmethod
    def new_id() -> str:
        """A new Karla UUID (v4)."""
        return str(uuid.uuid4())

    # -- any resource ---------------------------------------------------------------------------

    def live(self, shop: str, resource: str, key: str) -> dict[str, Any] | None:
        """The resource's fields, unless it does not exist or was deleted."""
        record = self.records.live(shop, resource, key)
        return None if record is None else dict(record.data)

    def live_all(self, shop: str, resource: str) -> list[dict[str, Any]]:
        """Every live resource of the shop, in the order first written."""
        return [
            dict(record.data)
            for record in self.records.records(shop, resource).values()
            if not record.deleted
        ]

    def put(self, shop: str, resource: str, key: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace a resource; returns what is stored."""
        record, _ = self.records.put(shop, resource, key, data)
        if resource == "shop":
            with self._lock:
                self._shops[shop] = None
        return dict(record.data)

    def seed(self, shop: str, resource: str, key: str, data: Mapping[str, Any]) -> None:
        """Store what the sandbox starts with, counted as no write."""
        self.records.seed(shop, resource, key, data)
        if resource == "shop":
            with self._lock:
                self._shops[shop] = None

    def shop_slugs(self) -> list[str]:
        """Every shop ever stored (deleted ones too), in the order first stored."""
        with self._lock:
            return list(self._shops)

    def delete(self, shop: str, resource: str, key: str) -> dict[str, Any] | None:
        """Delete a resource; ``None`` when there was none."""
        record = self.records.delete(shop, resource, key)
        return None if record is None else dict(record.data)

    # -- orders and shipments -----------------------------------------------------------------

    def find_order(self, shop: str, id_type: str, value: str) -> dict[str, Any] | None:
        """The live order whose `id_type` is `value` (spec §2.2's ``id`` + ``id_type``)."""
        if id_type == "uuid":
            return self.live(shop, "orders", value)
        with self._lock:
            key = self._orders.get((shop, id_type, value))
        return None if key is None else self.live(shop, "orders", key)

    def save_order(self, shop: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace an order, keyed by its ``uuid``, and index it."""
        key = str(data["uuid"])
        with self._lock:
            stored = self.put(shop, "orders", key, data)
            for old in self._order_keys.pop((shop, key), []):
                if self._orders.get(old) == key:
                    del self._orders[old]
            entries: list[tuple[str, str, str]] = []
            for name in _INDEXED_ORDER_FIELDS:
                value = data.get(name)
                if isinstance(value, str):
                    entry = (shop, name, value)
                    self._orders[entry] = key
                    entries.append(entry)
            self._order_keys[(shop, key)] = entries
        return stored

    def shipments_of(self, shop: str, order_uuid: str) -> list[dict[str, Any]]:
        """The order's shipments, in the order they were created."""
        with self._lock:
            keys = list(self._shipments.get((shop, order_uuid), []))
        found = (self.live(shop, "shipments", key) for key in keys)
        return [shipment for shipment in found if shipment is not None]

    def find_tracking(
        self, shop: str, order_uuid: str, tracking_number: str
    ) -> dict[str, Any] | None:
        """The order's shipment with this tracking number, if any."""
        with self._lock:
            key = self._trackings.get((shop, order_uuid, tracking_number))
        return None if key is None else self.live(shop, "shipments", key)

    def find_shipment_by_tracking(self, shop: str, tracking_number: str) -> dict[str, Any] | None:
        """The shop's most recent shipment with this tracking number, if any."""
        with self._lock:
            keys = [
                key
                for (scope, _, number), key in self._trackings.items()
                if scope == shop and number == tracking_number
            ]
        for key in reversed(keys):
            shipment = self.live(shop, "shipments", key)
            if shipment is not None:
                return shipment
        return None

    def save_shipment(self, shop: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace a shipment, keyed by its ``id``, under its order."""
        key, order_uuid = str(data["id"]), str(data["order_id"])
        with self._lock:
            stored = self.put(shop, "shipments", key, data)
            keys = self._shipments.setdefault((shop, order_uuid), [])
            if key not in keys:
                keys.append(key)
            self._trackings[(shop, order_uuid, str(data["carrier"]["tracking_number"]))] = key
        return stored

    # -- shops a key created ------------------------------------------------------------------

    def grant(self, api_key: str, shop: str) -> None:
        """Let `api_key` reach `shop` (it created it)."""
        with self._lock:
            self._grants.setdefault(api_key, set()).add(shop)

    def granted(self, api_key: str, shop: str) -> bool:
        """Whether `api_key` created `shop`."""
        with self._lock:
            return shop in self._grants.get(api_key, ())

    def clear(self) -> None:
        """Forget the lookups and grants (the record store is cleared by its owner)."""
        with self._lock:
            self._orders.clear()
            self._order_keys.clear()
            self._shipments.clear()
            self._trackings.clear()
            self._grants.clear()
            self._shops.clear()
