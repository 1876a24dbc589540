"""Karla's image uploads end to end: shop images, campaign and product images (spec §2.4, §2.6).

Multipart bodies built by `shopbridge.core.sansio._multipart`, sent through the engine, read by the
sandbox's own parser (the stdlib's), and answered as Karla would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from shopbridge.core._errors import (
    NotFoundError,
    PayloadRejectedError,
    RequestFailedError,
    ValidationError,
)
from shopbridge.core.sansio._verdict import Action
from shopbridge.karla import (
    IMAGE_TYPES,
    AsyncKarla,
    Campaign,
    CampaignRequest,
    ImageUpload,
    Karla,
)
from shopbridge.karla._images import load_image
from shopbridge.karla.sandbox import DEFAULT_API_KEY, DEFAULT_SHOP, DEFAULT_USERNAME, KarlaSandbox
from tests.karla.conftest import FAST
from tests.karla.test_resilience import DROP_AFTER, seed_for

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) + b"\r\n--\r\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
PDF = b"%PDF-1.7 not an image"
MISSING_UUID = "00000000-0000-4000-8000-000000000000"

PRODUCT_CAMPAIGN = CampaignRequest(
    name="Summer",
    segment="Karla.vip_customers",
    promotion_type="product",
    promotion_properties={
        "title": "Hi",
        "products": [
            {"product_url": "https://s/1", "currency": "EUR"},
            {"product_url": "https://s/2", "currency": "EUR"},
        ],
    },
)


async def new_campaign(karla: AsyncKarla) -> Campaign:
    created = await karla.campaigns.create(PRODUCT_CAMPAIGN)
    assert created.record is not None
    return created.record


def products(campaign: Campaign) -> list[dict[str, Any]]:
    assert campaign.promotion_properties is not None
    return list(campaign.promotion_properties["products"])


# -- uploads that succeed ---------------------------------------------------------------------


@pytest.mark.parametrize("image_type", IMAGE_TYPES)
async def test_a_shop_image_answers_where_karla_serves_it(
    karla: AsyncKarla, sandbox: KarlaSandbox, image_type: Any
) -> None:
    uploaded = await karla.shops.upload_image(image_type, PNG)

    assert isinstance(uploaded, ImageUpload)
    assert uploaded.image_type == image_type
    assert uploaded.shop_slug == DEFAULT_SHOP
    assert uploaded.url.endswith(".png")
    assert sandbox.stats.requests == 1


async def test_a_path_is_read_and_named_after_its_file(
    karla: AsyncKarla, sandbox: KarlaSandbox, tmp_path: Path
) -> None:
    photo = tmp_path / "storefront.jpg"
    photo.write_bytes(JPEG)

    uploaded = await karla.shops.upload_image("background", photo)
    by_name = await karla.shops.upload_image("logo", str(photo))

    assert uploaded.url.endswith(".jpg")
    assert by_name.image_type == "logo"
    loaded = await load_image(photo, filename=None, content_type=None, errors={})
    assert loaded is not None
    assert (loaded.filename, loaded.content_type, loaded.data) == (
        "storefront.jpg",
        "image/jpeg",
        JPEG,
    )


async def test_bytes_without_a_name_are_typed_by_their_first_bytes_and_named_for_it() -> None:
    loaded = await load_image(PNG, filename=None, content_type=None, errors={})

    assert loaded is not None
    assert (loaded.filename, loaded.content_type) == ("image.png", "image/png")


async def test_a_campaign_image_answers_the_campaign_with_its_image_url(
    karla: AsyncKarla,
) -> None:
    campaign = await new_campaign(karla)

    updated = await karla.campaigns.upload_image(campaign.uuid, PNG, filename="banner.png")

    assert isinstance(updated, Campaign)
    assert updated.uuid == campaign.uuid
    assert updated.promotion_properties is not None
    assert updated.promotion_properties["image_url"].endswith(".png")


async def test_a_product_image_lands_on_the_product_at_its_position_from_0(
    karla: AsyncKarla,
) -> None:
    campaign = await new_campaign(karla)

    first = await karla.campaigns.upload_product_image(campaign.uuid, 0, PNG)
    second = await karla.campaigns.upload_product_image(campaign.uuid, 1, JPEG)

    assert products(first)[0]["image_url"].endswith(".png")
    assert "image_url" not in products(first)[1]
    assert products(second)[1]["image_url"].endswith(".jpg")


async def test_a_product_position_past_the_last_product_is_campaign_product_not_found(
    karla: AsyncKarla,
) -> None:
    campaign = await new_campaign(karla)

    with pytest.raises(NotFoundError) as caught:
        await karla.campaigns.upload_product_image(campaign.uuid, 2, PNG)

    assert caught.value.error is not None
    assert caught.value.error.key == "campaign_product_not_found"
    assert caught.value.status == 404
    assert caught.value.attempts == 1


async def test_an_unknown_campaign_is_campaign_not_found(karla: AsyncKarla) -> None:
    with pytest.raises(NotFoundError) as caught:
        await karla.campaigns.upload_image(MISSING_UUID, PNG)

    assert caught.value.error is not None
    assert caught.value.error.key == "campaign_not_found"


# -- what Karla refuses, and what the client refuses before sending ---------------------------


async def test_a_file_that_is_not_an_image_is_415_image_media_unsupported(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    """Labelled ``image/png``, so the client sends it; Karla reads the bytes and refuses."""
    with pytest.raises(PayloadRejectedError) as caught:
        await karla.shops.upload_image("logo", PDF, content_type="image/png")

    error = caught.value
    assert not isinstance(error, ValidationError)  # Karla's refusal, not the client's
    assert error.verdict.action is Action.FIX_PAYLOAD
    assert error.verdict.rule == "karla-image_media_unsupported"
    assert error.status == 415
    assert error.error is not None
    assert error.error.key == "image_media_unsupported"
    assert not error.retryable
    assert error.attempts == 1
    assert sandbox.stats.requests == 1


@pytest.mark.parametrize(
    ("call", "fields"),
    [
        ({"image_type": "banner"}, {"image_type"}),
        ({"image": b""}, {"image"}),
        ({"image": b"", "image_type": "avatar"}, {"image", "image_type"}),
        ({"content_type": "application/pdf"}, {"content_type"}),
        ({"content_type": "image/png\r\nX-Injected: 1"}, {"content_type"}),
        ({"filename": "report.pdf"}, {"content_type"}),
        ({"image": PDF}, {"content_type"}),  # no name, no known first bytes: cannot tell
        ({"image": 42}, {"image"}),
        ({"filename": ""}, {"filename"}),
        ({"filename": "bad\udcff.png"}, {"filename"}),  # a non-UTF-8 name as Python reads it
    ],
)
async def test_the_client_refuses_a_bad_shop_upload_before_sending(
    karla: AsyncKarla, sandbox: KarlaSandbox, call: dict[str, Any], fields: set[str]
) -> None:
    arguments: dict[str, Any] = {"image_type": "logo", "image": PNG, **call}
    image_type, image = arguments.pop("image_type"), arguments.pop("image")

    with pytest.raises(ValidationError) as caught:
        await karla.shops.upload_image(image_type, image, **arguments)

    assert set(caught.value.field_errors) == fields
    assert caught.value.attempts == 0
    assert sandbox.stats.requests == 0


async def test_an_unknown_image_type_names_the_allowed_ones(karla: AsyncKarla) -> None:
    with pytest.raises(ValidationError) as caught:
        await karla.shops.upload_image("banner", PNG)  # type: ignore[arg-type]

    (message,) = caught.value.field_errors["image_type"]
    assert all(repr(name) in message for name in IMAGE_TYPES)
    assert "image_type" in str(caught.value)


async def test_an_unreadable_path_is_refused_before_sending(
    karla: AsyncKarla, sandbox: KarlaSandbox, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError) as caught:
        await karla.campaigns.upload_image(MISSING_UUID, tmp_path / "missing.png")

    assert set(caught.value.field_errors) == {"image"}
    assert sandbox.stats.requests == 0


@pytest.mark.parametrize("position", [-1, True, "0", 1.0, None])
async def test_a_position_that_is_not_an_int_from_0_is_refused_before_sending(
    karla: AsyncKarla, sandbox: KarlaSandbox, position: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        await karla.campaigns.upload_product_image(MISSING_UUID, position, PNG)

    assert set(caught.value.field_errors) == {"product_position"}
    assert sandbox.stats.requests == 0


# -- retries ----------------------------------------------------------------------------------


async def test_an_upload_whose_answer_was_lost_is_not_resent(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    """Karla stored the image before the connection dropped: resending could store it twice."""
    campaign = await new_campaign(karla)
    before = sandbox.stats.requests
    sandbox.set_faults(DROP_AFTER, seed=seed_for(DROP_AFTER, "drop_after"))

    with pytest.raises(RequestFailedError) as caught:
        await karla.campaigns.upload_image(campaign.uuid, PNG)

    sandbox.set_faults("none")
    assert caught.value.verdict.rule == "karla-disconnected-not-deduplicated"
    assert not caught.value.retryable
    assert caught.value.attempts == 1
    assert sandbox.stats.requests - before == 1
    (stored,) = [found async for found in karla.campaigns.search(uuid=campaign.uuid)]
    assert stored.promotion_properties is not None
    assert "image_url" in stored.promotion_properties  # applied, though its answer was lost


@pytest.mark.parametrize("upload", ["shop", "product"])
async def test_every_upload_is_marked_not_deduplicated(
    karla: AsyncKarla, sandbox: KarlaSandbox, upload: str
) -> None:
    campaign = await new_campaign(karla)
    sandbox.set_faults(DROP_AFTER, seed=seed_for(DROP_AFTER, "drop_after"))

    send: Callable[[], Awaitable[object]] = {
        "shop": lambda: karla.shops.upload_image("voucher", PNG),
        "product": lambda: karla.campaigns.upload_product_image(campaign.uuid, 0, PNG),
    }[upload]

    with pytest.raises(RequestFailedError) as caught:
        await send()

    assert caught.value.verdict.rule == "karla-disconnected-not-deduplicated"
    assert caught.value.attempts == 1


async def test_a_503_before_processing_is_retried_with_the_same_bytes(
    karla: AsyncKarla, sandbox: KarlaSandbox
) -> None:
    """Nothing was applied, so the engine resends; the sandbox parses the second copy whole."""
    spec = "503=0.5"
    sandbox.set_faults(spec, seed=seed_for(spec, "503", "ok"))

    uploaded = await karla.shops.upload_image("signature", PNG)

    assert uploaded.url.endswith(".png")
    assert sandbox.stats.requests == 2
    assert dict(sandbox.stats.faults) == {"503": 1}


# -- the blocking twin ------------------------------------------------------------------------


def test_every_upload_blocking(karla_sandbox: KarlaSandbox, tmp_path: Path) -> None:
    photo = tmp_path / "hero.png"
    photo.write_bytes(PNG)
    with Karla(
        DEFAULT_USERNAME, DEFAULT_API_KEY, DEFAULT_SHOP, base_url=karla_sandbox.base_url, retry=FAST
    ) as karla:
        uploaded = karla.shops.upload_image("claim", photo)
        created = karla.campaigns.create(PRODUCT_CAMPAIGN).record
        assert created is not None
        campaign = karla.campaigns.upload_image(created.uuid, JPEG, content_type="image/jpeg")
        product = karla.campaigns.upload_product_image(created.uuid, 1, photo)
        with pytest.raises(ValidationError) as caught:
            karla.campaigns.upload_product_image(created.uuid, -1, photo)
        with pytest.raises(NotFoundError):
            karla.campaigns.upload_product_image(created.uuid, 9, photo)

    assert (uploaded.image_type, uploaded.url[-4:]) == ("claim", ".png")
    assert campaign.promotion_properties is not None
    assert campaign.promotion_properties["image_url"].endswith(".jpg")
    assert products(product)[1]["image_url"].endswith(".png")
    assert set(caught.value.field_errors) == {"product_position"}
    assert karla_sandbox.stats.requests == 5  # the refused one never left
