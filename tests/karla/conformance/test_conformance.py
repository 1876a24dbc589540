"""Karla's validation as a real FastAPI + pydantic v2 server answers it, row by row.

Each row is a request body for one endpoint. Its expected answer (accepted, or the 422's paths
and messages) is not written here: the test asks `reference_app` (real FastAPI, real pydantic,
on 127.0.0.1), then checks that the client's validation (`shopbridge.karla._validation`, what
the client runs before sending) and the Karla sandbox give the same answer. The client runs with
``unknown_fields="send"`` here: refusing a field the server ignores is the one place it is
stricter than the server on purpose (the README says so), and `test_unknown_fields_*` pins it.
"""

from __future__ import annotations

import base64
import copy
import urllib.error
import urllib.request
from typing import Any

import orjson
import pytest
from attrs import frozen

from shopbridge.karla import _validation as rules
from shopbridge.karla._wire import to_wire
from shopbridge.karla.sandbox import DEFAULT_API_KEY, DEFAULT_SHOP, DEFAULT_USERNAME

_UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
_TIMEOUT = 10.0
_AUTH = "Basic " + base64.b64encode(f"{DEFAULT_USERNAME}:{DEFAULT_API_KEY}".encode()).decode()

Answer = dict[str, list[tuple[str, str]]]
"""A 422's errors as ``{dot path: [(type, msg), ...]}``; empty when the body is accepted."""


@frozen
class Row:
    """One request: its endpoint (method, path under the shop), the client's schema, the body."""

    name: str
    method: str
    path: str
    schema: rules.Schema
    body: Any
    many: bool = False


def _upsert(order: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "1001",
        "order": {
            "order_number": "1001",
            "external_id": "shop-1001",
            "address": {"zip_code": "10115", "city": "Berlin", "country_code": "DE"},
        },
        "trackings": [{"tracking_number": "00340434", "carrier_reference": "dhl"}],
    }
    body["order"].update(order or {})
    body.update(top)
    return body


def _with_product(**product: Any) -> dict[str, Any]:
    return _upsert({"products": [{"title": "Mug", **product}]})


def _address(**fields: Any) -> dict[str, Any]:
    return _upsert({"address": {"zip_code": "10115", **fields}})


def _upserts(name: str, body: Any, *, many: bool = False) -> Row:
    path = "/orders/bulk" if many else "/orders"
    return Row(name, "PUT", path, rules.ORDER_UPSERT, body, many=many)


def _event(name: str, event_time: Any) -> Row:
    body = {"event_name": "PACKED", "event_time": event_time, "external_id": "ev-1"}
    return Row(name, "POST", f"/shipments/{_UUID}/events", rules.SHIPMENT_EVENT, body)


def _webhook(name: str, url: Any, **fields: Any) -> Row:
    return Row(name, "POST", "/webhooks", rules.WEBHOOK_CREATE, {"url": url, **fields})


def _shop(label: str, **fields: Any) -> Row:
    body = {"name": "Shop", "slug": "conformance", "organization": "org", "klaviyo_enabled": True}
    return Row(label, "POST", "/v1/shops", rules.SHOP_CREATE, {**body, **fields})


def _claim(name: str, **fields: Any) -> Row:
    return Row(name, "POST", "/claims", rules.CLAIM_CREATE, {"reason": "damage", **fields})


def _campaign(name: str, **fields: Any) -> Row:
    body = {
        "name": "Spring",
        "segment": "default",
        "promotion_type": "basic",
        "promotion_properties": {"title": "Hello"},
    }
    return Row(name, "POST", "/campaigns", rules.CAMPAIGN, {**body, **fields})


def _variants(name: str, *changes: dict[str, Any]) -> Row:
    body = [
        {"product_id": "MUG", "variant_id": f"V{index}", "title": "Mug", **change}
        for index, change in enumerate(changes)
    ]
    return Row(name, "POST", "/products", rules.PRODUCT_VARIANT, body, many=True)


def _variant(name: str, body: Any) -> Row:
    return Row(name, "PUT", "/products/MUG/variants/BLUE", rules.VARIANT_DETAILS, body)


def _shopify(name: str, body: Any) -> Row:
    return Row(name, "POST", "/shopify/webhooks", rules.SHOPIFY_WEBHOOK_CREATE, body)


ROWS = (
    # -- integers, numbers, booleans: lax mode coerces, and says why when it cannot
    _upserts("valid upsert", _upsert()),
    _upserts(
        "csv cells: every value a string",
        _upsert(
            {
                "total_order_price": "49.90",
                "shipping_price": "4.90",
                "discount_price": "0",
                "expected_number_of_shipments": "2",
                "order_placed_at": "2024-01-29T14:48:47+00:00",
            }
        ),
    ),
    _upserts("integer from 2.0", _upsert({"expected_number_of_shipments": 2.0})),
    _upserts("integer from true", _upsert({"expected_number_of_shipments": True})),
    _upserts("integer from ' +2 '", _upsert({"expected_number_of_shipments": " +2 "})),
    _upserts("integer from '2.5'", _upsert({"expected_number_of_shipments": "2.5"})),
    _upserts("integer from 2.5", _upsert({"expected_number_of_shipments": 2.5})),
    _upserts("integer from '1e3'", _upsert({"expected_number_of_shipments": "1e3"})),
    _upserts("number from 'abc'", _upsert({"total_order_price": "abc"})),
    _upserts("number from '1_000.5'", _upsert({"total_order_price": "1_000.5"})),
    _upserts("number from a list", _upsert({"weight": [1]})),
    _upserts("number from true", _upsert({"weight": True})),
    # -- datetimes: what speedate reads, not what datetime.fromisoformat reads
    _upserts("datetime from unix seconds", _upsert({"order_placed_at": 1706539727})),
    _upserts("datetime from unix digits", _upsert({"order_placed_at": "1706539727"})),
    _upserts("datetime with t and z", _upsert({"order_placed_at": "2024-01-29t14:48:47z"})),
    _upserts("datetime from a date", _upsert({"order_placed_at": "2024-01-29"})),
    _upserts("datetime basic format", _upsert({"order_placed_at": "20240129T144847"})),
    _upserts("datetime iso week", _upsert({"order_placed_at": "2024-W05-1"})),
    _upserts("datetime hour only", _upsert({"order_placed_at": "2024-01-29T14"})),
    _upserts("datetime offset +01", _upsert({"order_placed_at": "2024-01-29T14:48:47+01"})),
    _upserts("datetime 30 February", _upsert({"order_placed_at": "2024-02-30T10:00:00"})),
    _upserts("datetime boolean", _upsert({"order_placed_at": True})),
    _event("event time unix float", 1706539727.5),
    _event("event time in words", "yesterday"),
    # -- nested items the spec types
    _upserts("bundled quantity 'two'", _with_product(bundled_products=[{"quantity": "two"}])),
    _upserts("bundled quantity '3'", _with_product(bundled_products=[{"quantity": "3"}])),
    _upserts("tax line rate '19%'", _with_product(tax_lines=[{"rate": "19%"}])),
    _upserts("product not an object", _upsert({"products": ["mug"]})),
    _upserts("product image without src", _with_product(images=[{"alt": "front"}])),
    _upserts("product type unknown", _with_product(type="gift")),
    _upserts(
        "product shipment_id misplaced hyphen",
        _with_product(shipment_id=_UUID[:7] + "-9" + _UUID[9:]),
    ),
    _upserts(
        "product shipment_id without hyphens", _with_product(shipment_id=_UUID.replace("-", ""))
    ),
    # -- objects, lists, strings, null
    _upserts("address a string", _upsert({"address": "Berlin"})),
    _upserts("order_analytics a string", _upsert({"order_analytics": "x"})),
    _upserts("required string null", _upsert({"order_number": None})),
    _upserts("required object null", _upsert({"address": None})),
    _upserts("zip_code missing", _upsert({"address": {"city": "Berlin"}})),
    _upserts("optional null", _upsert({"order_name": None, "products": None})),
    _upserts("string from a number", _upsert({"order_name": 5})),
    _upserts("country_code DEU", _address(country_code="DEU")),
    _upserts("country_code D", _address(country_code="D")),
    _upserts("trackings an object", _upsert(trackings={})),
    _upserts("trackings null", _upsert(trackings=None)),
    _upserts("trackings missing", {"id": "1001"}),
    _upserts("id_type unknown", _upsert(id_type="sku")),
    _upserts("body a list", [_upsert()]),
    _upserts(
        "many errors at once", _upsert({"order_number": 7, "total_order_price": "x"}, id=None)
    ),
    _upserts("unknown field ignored", _upsert({"gift_wrap": True})),
    _upserts("bulk second item without id", [_upsert(), {"trackings": []}], many=True),
    _upserts("bulk not a list", _upsert(), many=True),
    # -- webhooks: url is a URL
    _webhook("webhook url https", "https://hooks.example.com/karla"),
    _webhook("webhook url without scheme", "hooks.example.com/karla"),
    _webhook("webhook url empty", ""),
    _webhook("webhook url no host", "https://"),
    _webhook("webhook url bad port", "https://hooks.example.com:99999/karla"),
    _webhook("webhook url a number", 5),
    _webhook("webhook secret short", "https://h.example.com/k", secret="short"),
    Row(
        "webhook update url relative",
        "PATCH",
        f"/webhooks/{_UUID}",
        rules.WEBHOOK_UPDATE,
        {"url": "/k"},
    ),
    # -- shops, settings, keys
    _shop("shop klaviyo 'true'", klaviyo_enabled="true"),
    _shop("shop klaviyo 'maybe'", klaviyo_enabled="maybe"),
    _shop("shop klaviyo 2", klaviyo_enabled=2),
    _shop("shop language xx", language="xx"),
    _shop("shop name empty", name=""),
    Row(
        "settings yes",
        "POST",
        "/settings",
        rules.SETTINGS,
        {"carriers": {"shipment_updates": "yes"}},
    ),
    Row("settings part a string", "POST", "/settings", rules.SETTINGS, {"carriers": "on"}),
    Row(
        "trackpages version '1'",
        "PUT",
        "/settings/trackpages",
        rules.TRACKPAGES,
        {"version": "1", "data": {}},
    ),
    Row(
        "trackpages data null",
        "PUT",
        "/settings/trackpages",
        rules.TRACKPAGES,
        {"version": 1, "data": None},
    ),
    Row(
        "shopware client_id null",
        "PUT",
        "/keys/shopware",
        rules.SHOPWARE_CREDENTIALS,
        {"client_id": None},
    ),
    # -- campaigns, discounts, announcements, claims
    _campaign("campaign enabled 'on'", enabled="on", start_date=1706539727),
    _campaign("campaign bad discount_id", discount_id="not-a-uuid"),
    _campaign("campaign end 13th month", end_date="2024-13-01"),
    _campaign("campaign properties a list", promotion_properties=[]),
    Row(
        "discount value '10.5'",
        "POST",
        "/discounts",
        rules.DISCOUNT_CREATE,
        {"type": "order", "value": "10.5"},
    ),
    Row(
        "discount type missing",
        "POST",
        "/discounts",
        rules.DISCOUNT_CREATE,
        {"value_type": "percent"},
    ),
    Row(
        "announcement language EN",
        "POST",
        "/announcements",
        rules.ANNOUNCEMENT_CREATE,
        {"text": "Hi", "language": "EN"},
    ),
    Row(
        "announcement text empty",
        "POST",
        "/announcements",
        rules.ANNOUNCEMENT_CREATE,
        {"text": "", "language": "en"},
    ),
    _claim(
        "claim item quantity '1'", selected_items=[{"quantity": "1"}], shipment_id="{" + _UUID + "}"
    ),
    _claim("claim item quantity missing", selected_items=[{"sku": "A"}]),
    _claim("claim dropoff 'no'", dropoff_permission="no", shipment_id="urn:uuid:" + _UUID),
    _claim("claim shipment_id too short", shipment_id=_UUID[:-1]),
    Row(
        "claim update status open",
        "PUT",
        f"/claims/{_UUID}",
        rules.CLAIM_UPDATE,
        {"status": "open"},
    ),
    # -- the catalogue (a list body, a map of translations) and Shopify webhook registrations
    _variants(
        "variants with translations",
        {"price": 12.9, "translations": {"de": {"title": "Becher"}, "fr": {"title": "Tasse"}}},
        {"variant_title": None, "price": None, "sku": None, "product_url": None},
    ),
    _variants("variant csv cells", {"price": "12.90", "translations": {"de": {"title": "B"}}}),
    _variants("variant price '12,90'", {}, {"price": "12,90"}),
    _variants("variant id empty", {"product_id": ""}),
    _variants("variant id a number", {"variant_id": 5}),
    _variants("translations a list", {"translations": [{"title": "Becher"}]}),
    _variants("translation without title", {"translations": {"de": {}, "fr": {"title": 3}}}),
    _variants("translation a string", {"translations": {"de": "Becher"}}),
    Row("variants not a list", "POST", "/products", rules.PRODUCT_VARIANT, {}, many=True),
    Row(
        "variant without ids",
        "POST",
        "/products",
        rules.PRODUCT_VARIANT,
        [{"title": "Mug"}],
        many=True,
    ),
    _variant("variant put", {"title": "Mug", "translations": {"de": {"title": "Becher"}}}),
    _variant("variant put price true", {"price": True, "image_url": 5}),
    _shopify("shopify webhook order_fulfillment", {"webhook_type": "order_fulfillment"}),
    _shopify("shopify webhook unknown type", {"webhook_type": "order_deleted"}),
    _shopify("shopify webhook type missing", {}),
    Row(
        "order update shipments '1e3'",
        "PATCH",
        f"/orders/{_UUID}",
        rules.ORDER_UPDATE,
        {"expected_number_of_shipments": "1e3"},
    ),
)


def _request(url: str, method: str, body: Any, *, auth: bool) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = _AUTH
    request = urllib.request.Request(  # noqa: S310 - a loopback URL the test built
        url, data=orjson.dumps(body), method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:  # noqa: S310
            return response.status, orjson.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, orjson.loads(exc.read() or b"null")


def _answer(status: int, data: Any) -> Answer:
    """A FastAPI answer as ``{path: [(type, msg)]}``: a schema 422's errors, else nothing."""
    if status != 422 or not isinstance(data, dict) or "detail" not in data:
        return {}  # accepted by validation (a keyed 422, 404 or 409 comes after it)
    answer: Answer = {}
    for item in data["detail"]:
        path = ".".join(str(part) for part in item["loc"][1:])
        answer.setdefault(path, []).append((item["type"], item["msg"]))
    return answer


def _url(base: str, row: Row) -> str:
    return base + (
        row.path if row.path.startswith("/v1/") else f"/v1/shops/{DEFAULT_SHOP}{row.path}"
    )


def _server_answer(reference_url: str, row: Row) -> Answer:
    status, data = _request(_url(reference_url, row), row.method, row.body, auth=False)
    assert status in (200, 422), (status, data)
    return _answer(status, data)


def _messages(answer: Answer) -> dict[str, list[str]]:
    return {path: [msg for _, msg in items] for path, items in answer.items()}


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_client_validation_answers_as_fastapi(reference_url: str, row: Row) -> None:
    expected = _messages(_server_answer(reference_url, row))
    check = rules.validate_many if row.many else rules.validate
    body = to_wire(copy.deepcopy(row.body))

    assert check(row.schema, body, reject_unknown=False) == expected


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_sandbox_validation_answers_as_fastapi(
    reference_url: str, sandbox_url: str, row: Row
) -> None:
    expected = _server_answer(reference_url, row)
    status, data = _request(
        _url(sandbox_url.removesuffix("/v1"), row), row.method, row.body, auth=True
    )

    assert status not in (400, 401, 403, 405), (status, data)
    assert _answer(status, data) == expected


def test_the_table_covers_both_answers(reference_url: str) -> None:
    answers = [_server_answer(reference_url, row) for row in ROWS]

    assert len(ROWS) >= 40
    assert sum(not answer for answer in answers) >= 15
    assert sum(bool(answer) for answer in answers) >= 25


def test_unknown_fields_are_refused_by_default_though_fastapi_ignores_them(
    reference_url: str,
) -> None:
    body = _upsert({"gift_wrap": True})

    assert _server_answer(reference_url, _upserts("unknown", body)) == {}
    assert rules.validate(rules.ORDER_UPSERT, body) == {
        "order.gift_wrap": ["Extra inputs are not permitted"]
    }
