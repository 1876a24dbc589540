"""Karla's shops, shop settings, integration keys and image uploads in the sandbox (§2.4, §2.5).

A shop is the scope of everything else; the sandbox stores it as the one ``shop`` record of
its own scope (``/_sandbox/shops/{slug}/shop/{slug}``). ``POST /v1/shops`` answers
``409 shop_exists`` for a slug in use, and the key that created a shop may reach it.

Settings use the current reference's shape (``carriers``, ``triggers``, ``segments``); a shop
created through the API has none until ``POST /settings`` (``404 shop_settings_not_found``).
Switching a Klaviyo trigger or segment sync on before ``PUT /keys/klaviyo`` answers
``404 klaviyo_key_not_found`` (an inference: the errors page names the key, not the route).

An organisation's members (``GET /orgs/{org}/members``) are the accounts' `KarlaOrgMember`
values; an organisation no shop belongs to answers FastAPI's ``404 {"detail": "Organization not
found"}``, and a key that reaches none of its shops 403.

Uploads are ``multipart/form-data`` with an ``image`` file; anything but PNG, JPEG, GIF or WebP
(by content, not by name) answers ``415 image_media_unsupported``.
"""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from attrs import frozen

from shopbridge.karla.sandbox._models import (
    KEY_BODIES,
    LANGUAGES,
    PAGINATION,
    SETTINGS,
    SETTINGS_PARTS,
    SHOP_CREATE,
    SHOP_UPDATE,
    TRACKPAGES,
    text_fields,
)
from shopbridge.karla.sandbox._schema import Choice, Errors, Field, Uuid
from shopbridge.karla.sandbox._state import Call, Endpoint, KarlaState, paginate
from shopbridge.karla.sandbox._wire import DetailError, KarlaError, field_error

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_SETTINGS",
    "ENDPOINTS",
    "Upload",
    "image_url",
    "new_shop",
    "parse_upload",
]

DEFAULT_SETTINGS: Mapping[str, Mapping[str, bool]] = {
    "carriers": {"shipment_updates": False},
    "triggers": {"klaviyo": False, "shopify": False},
    "segments": {"klaviyo": False, "shopify": False},
}
"""What the default shops' settings start as."""

_IMAGE_CDN = "https://cdn.sandbox.gokarla.invalid"
"""Where uploaded images "are": ``.invalid`` never resolves, so nothing fetches them."""


def new_shop(state: KarlaState, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A shop's stored fields (``ShopDetail``) from ``ShopCreate`` fields."""
    now = state.now()
    return {
        "uuid": state.new_id(),
        **fields,
        "go_live_at": None,
        "created_at": now,
        "updated_at": now,
    }


# -- shops -----------------------------------------------------------------------------------


def _search_shops(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    found = []
    for slug in state.shop_slugs():
        shop = state.live(slug, "shop", slug)
        if shop is None or not state.reachable(call.api_key, slug):
            continue
        if any(
            call.query[name] is not None and shop.get(name) != call.query[name]
            for name in ("uuid", "name", "slug", "shop_provider", "language", "organization")
        ):
            continue
        found.append(shop)
    return paginate(found, call)


def _create_shop(state: KarlaState, call: Call) -> dict[str, Any]:
    slug = call.body["slug"]
    if state.live(slug, "shop", slug) is not None:
        raise KarlaError(
            "shop_exists",
            errors=[
                {
                    "loc": ["body", "slug"],
                    "msg": "a shop with this slug exists",
                    "type": "value_error",
                    "field": "slug",
                }
            ],
        )
    state.grant(call.api_key, slug)
    return state.put(slug, "shop", slug, new_shop(state, call.body))


def _shop(state: KarlaState, call: Call) -> dict[str, Any]:
    shop = state.live(call.slug, "shop", call.slug)
    if shop is None:
        raise KarlaError("shop_not_found")
    return shop


def _update_shop(state: KarlaState, call: Call) -> dict[str, Any]:
    shop = {**_shop(state, call), **call.body, "updated_at": state.now()}
    return state.put(call.slug, "shop", call.slug, shop)


def _delete_shop(state: KarlaState, call: Call) -> dict[str, Any]:
    deleted = state.delete(call.slug, "shop", call.slug)
    if deleted is None:
        raise KarlaError("shop_not_found")
    return deleted


def _org_members(state: KarlaState, call: Call) -> list[dict[str, Any]]:
    org = call.path["org"]
    shops = [
        slug
        for slug in state.shop_slugs()
        if (shop := state.live(slug, "shop", slug)) is not None and shop["organization"] == org
    ]
    if not shops:
        raise DetailError(404, "Organization not found")
    if not any(state.reachable(call.api_key, slug) for slug in shops):
        raise DetailError(403, f"The API key does not give access to organization {org!r}")
    email = call.query["email_id"]
    found = [
        member
        for member in state.members
        if member["org"] == org and email in (None, member["email_id"])
    ]
    return paginate(found, call)


# -- settings and keys -----------------------------------------------------------------------


def _settings(state: KarlaState, call: Call) -> dict[str, Any]:
    settings = state.live(call.slug, "settings", call.slug)
    if settings is None:
        raise KarlaError("shop_settings_not_found")
    return settings


def _needs_klaviyo_key(state: KarlaState, slug: str, parts: Mapping[str, Any]) -> None:
    wants_klaviyo = any((parts.get(name) or {}).get("klaviyo") for name in ("triggers", "segments"))
    if wants_klaviyo and state.live(slug, "keys", "klaviyo") is None:
        raise KarlaError("klaviyo_key_not_found")


def _merge(settings: Mapping[str, Any], parts: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(settings)
    for name, part in parts.items():
        if part is not None:
            merged[name] = {**merged.get(name, {}), **part}
    return merged


def _set_settings(state: KarlaState, call: Call) -> dict[str, Any]:
    _needs_klaviyo_key(state, call.slug, call.body)
    previous = state.live(call.slug, "settings", call.slug) or DEFAULT_SETTINGS
    return state.put(call.slug, "settings", call.slug, _merge(previous, call.body))


def _settings_part(name: str) -> Any:
    def update(state: KarlaState, call: Call) -> dict[str, Any]:
        settings = _settings(state, call)
        _needs_klaviyo_key(state, call.slug, {name: call.body})
        stored = state.put(call.slug, "settings", call.slug, _merge(settings, {name: call.body}))
        return dict(stored[name])

    return update


def _trackpages(state: KarlaState, call: Call) -> dict[str, Any]:
    settings = {**_settings(state, call), "trackpages": call.body}
    return state.put(call.slug, "settings", call.slug, settings)


def _set_key(provider: str) -> Any:
    def put_key(state: KarlaState, call: Call) -> dict[str, Any]:
        state.put(call.slug, "keys", provider, call.body)
        # The key itself is never echoed, as a real API would not.
        return {"shop_slug": call.slug, "provider": provider, "configured": True}

    return put_key


# -- uploads -----------------------------------------------------------------------------------


@frozen(kw_only=True)
class Upload:
    """The ``image`` file of a multipart upload."""

    filename: str | None
    content_type: str
    data: bytes


_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def parse_upload(raw: bytes, content_type: str | None, errors: Errors) -> Upload | None:
    """The ``image`` part of a ``multipart/form-data`` body, or ``None`` after an error."""
    if content_type is not None and content_type.lower().startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
        message = BytesParser(policy=HTTP).parsebytes(head + raw)
        if message.is_multipart():
            for part in message.walk():
                if part.get_param("name", header="content-disposition") == "image":
                    payload = part.get_payload(decode=True)
                    return Upload(
                        filename=part.get_filename(),
                        content_type=part.get_content_type(),
                        data=payload if isinstance(payload, bytes) else b"",
                    )
    errors.append(field_error(("body", "image"), "Field required", "missing"))
    return None


def image_url(state: KarlaState, shop: str, kind: str, upload: Upload) -> str:
    """Where an uploaded image is served from.

    Raises:
        KarlaError: ``image_media_unsupported`` when the file is not an image Karla takes.
    """
    data = upload.data
    extension = next((ext for magic, ext in _SIGNATURES if data.startswith(magic)), None)
    if extension is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        extension = "webp"
    if extension is None:
        raise KarlaError(
            "image_media_unsupported",
            errors=[
                {
                    "loc": ["body", "image"],
                    "msg": f"not a PNG, JPEG, GIF or WebP image ({upload.content_type})",
                    "type": "value_error",
                    "field": "image",
                }
            ],
        )
    return f"{_IMAGE_CDN}/{shop}/{kind}/{state.new_id()}.{extension}"


def _upload_shop_image(state: KarlaState, call: Call) -> dict[str, Any]:
    _shop(state, call)
    image_type = call.path["image_type"]
    url = image_url(state, call.slug, image_type, call.body)
    state.put(call.slug, "images", f"{image_type}", {"url": url, "image_type": image_type})
    return {"url": url, "image_type": image_type, "shop_slug": call.slug}


_SHOP = "/shops/{slug}"
_SHOP_QUERY = (
    *PAGINATION,
    Field(name="uuid", kind=Uuid()),
    *text_fields("name", "slug", "organization"),
    Field(name="shop_provider", kind=Choice(values=("shopware", "shopify"))),
    Field(name="language", kind=Choice(values=LANGUAGES)),
)

ENDPOINTS = (
    Endpoint(method="GET", pattern="/shops", handler=_search_shops, query=_SHOP_QUERY, paged=True),
    Endpoint(method="POST", pattern="/shops", handler=_create_shop, body=SHOP_CREATE),
    Endpoint(method="GET", pattern=_SHOP, handler=_shop),
    Endpoint(method="PATCH", pattern=_SHOP, handler=_update_shop, body=SHOP_UPDATE),
    Endpoint(method="DELETE", pattern=_SHOP, handler=_delete_shop),
    Endpoint(
        method="GET",
        pattern="/orgs/{org}/members",
        handler=_org_members,
        query=(*PAGINATION, *text_fields("email_id")),
        paged=True,
    ),
    Endpoint(
        method="POST",
        pattern=f"{_SHOP}/images/{{image_type}}",
        handler=_upload_shop_image,
        upload=True,
    ),
    Endpoint(method="GET", pattern=f"{_SHOP}/settings", handler=_settings),
    Endpoint(method="POST", pattern=f"{_SHOP}/settings", handler=_set_settings, body=SETTINGS),
    Endpoint(
        method="PUT", pattern=f"{_SHOP}/settings/trackpages", handler=_trackpages, body=TRACKPAGES
    ),
    *(
        # The method of these updates is open (spec Q5): both are taken.
        Endpoint(
            method=method,
            pattern=f"{_SHOP}/settings/{name}",
            handler=_settings_part(name),
            body=part,
        )
        for name, part in SETTINGS_PARTS.items()
        for method in ("PUT", "PATCH")
    ),
    *(
        Endpoint(
            method="PUT", pattern=f"{_SHOP}/keys/{provider}", handler=_set_key(provider), body=body
        )
        for provider, body in KEY_BODIES.items()
    ),
)
"""The shop, org member, settings, key and shop-image operations; the paths are below ``/v1``."""
