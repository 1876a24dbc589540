"""The public surface, pinned: what each public module exports, and nothing meaning two things.

A change to a public name breaks a test here on purpose: add it (or remove it) knowingly, with a
CHANGELOG line. Every other module is private (``_name``, or inside a private package), and the
three internal packages (`shopbridge.core`, its `sansio` and `bulk`) export nothing.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import shopbridge
from shopbridge.core import _errors

PUBLIC: dict[str, list[str]] = {
    "shopbridge": [
        "KANAL_TABLE",
        "KARLA_TABLE",
        "Action",
        "AsyncKanal",
        "AsyncKarla",
        "AttemptEvent",
        "BlockingCallInEventLoopWarning",
        "BlockingResultStream",
        "BulkOutcome",
        "BulkProgress",
        "BulkReport",
        "CheckpointError",
        "ConfigurationError",
        "ConflictError",
        "CredentialsRejectedError",
        "DecisionTable",
        "ErrorBody",
        "FailureKind",
        "FilesInUseError",
        "HttpResponse",
        "InputError",
        "InvalidEventError",
        "Kanal",
        "KanalOptions",
        "Karla",
        "KarlaOptions",
        "MalformedSignatureError",
        "NotFoundError",
        "PartitionedPush",
        "PayloadRejectedError",
        "PushOptions",
        "RateLimitedError",
        "RecordResult",
        "RedisPacing",
        "RequestError",
        "RequestFacts",
        "RequestFailedError",
        "Response",
        "ResultStream",
        "RetryPolicy",
        "Rule",
        "ShopbridgeError",
        "SignatureError",
        "SignatureMismatchError",
        "SourceFailedError",
        "StaleSignatureError",
        "Telemetry",
        "TransientError",
        "TransportFailure",
        "UnwritableFileError",
        "ValidationError",
        "Verdict",
        "WaitSource",
        "__version__",
        "decide",
        "merge_dead_letters",
    ],
    "shopbridge.kanal": [
        "DEFAULT_BASE_URL",
        "ERROR_KEYS",
        "KANAL_MESSAGING_TABLE",
        "KANAL_TABLE",
        "MESSAGE_TYPES",
        "MESSAGING_KEYS",
        "RATE_WINDOW",
        "UNSET",
        "Account",
        "AsyncAccount",
        "AsyncAutomations",
        "AsyncCheckouts",
        "AsyncCustomers",
        "AsyncKanal",
        "AsyncMessages",
        "AsyncOrders",
        "AsyncShipments",
        "AsyncTemplates",
        "AutomationTrigger",
        "Automations",
        "Checkout",
        "CheckoutRecord",
        "CheckoutStatus",
        "CheckoutUpdate",
        "Checkouts",
        "Customer",
        "CustomerRecord",
        "Customers",
        "Kanal",
        "KanalOptions",
        "Message",
        "MessageType",
        "Messages",
        "Order",
        "OrderRecord",
        "OrderUpdate",
        "Orders",
        "Sent",
        "Shipment",
        "ShipmentRecord",
        "ShipmentStatus",
        "Shipments",
        "Template",
        "TemplateBody",
        "TemplateButton",
        "TemplateHeader",
        "TemplateSend",
        "TemplateStructure",
        "Templates",
        "Triggered",
        "Unset",
        "Upserted",
        "parse_error",
    ],
    "shopbridge.karla": [
        "DEFAULT_BASE_URL",
        "DEFAULT_BATCH_SIZE",
        "DEFAULT_PER_PAGE",
        "DEFAULT_TOLERANCE",
        "ERROR_KEYS",
        "IMAGE_TYPES",
        "KARLA_TABLE",
        "MAX_PER_PAGE",
        "SHOPIFY_WEBHOOK_TYPES",
        "SIGNATURE_HEADER",
        "Address",
        "Announcement",
        "AnnouncementCreate",
        "AnnouncementUpdate",
        "Announcements",
        "AsyncAnnouncements",
        "AsyncCampaigns",
        "AsyncClaims",
        "AsyncDiscounts",
        "AsyncKarla",
        "AsyncOrders",
        "AsyncOrgs",
        "AsyncProducts",
        "AsyncSettings",
        "AsyncShipments",
        "AsyncShopifyWebhooks",
        "AsyncShops",
        "AsyncWebhooks",
        "BlockingPages",
        "Campaign",
        "CampaignRequest",
        "Campaigns",
        "Claim",
        "ClaimCreate",
        "ClaimItem",
        "ClaimReason",
        "ClaimUpdate",
        "Claims",
        "Created",
        "Discount",
        "DiscountCreate",
        "DiscountUpdate",
        "Discounts",
        "ErrorKey",
        "IdType",
        "ImageSource",
        "ImageType",
        "ImageUpload",
        "InvalidEventError",
        "Karla",
        "KarlaOptions",
        "Language",
        "MalformedSignatureError",
        "Order",
        "OrderPlacement",
        "OrderShipmentUpdate",
        "OrderTracking",
        "OrderUpdate",
        "OrderUpsert",
        "Orders",
        "OrgMember",
        "Orgs",
        "Pages",
        "Product",
        "ProductImage",
        "ProductVariant",
        "Products",
        "Settings",
        "ShipmentEvent",
        "Shipments",
        "Shop",
        "ShopCreate",
        "ShopSettings",
        "ShopUpdate",
        "ShopifyWebhook",
        "ShopifyWebhookCreate",
        "ShopifyWebhookType",
        "ShopifyWebhooks",
        "Shops",
        "SignatureError",
        "SignatureMismatchError",
        "StaleSignatureError",
        "Tracking",
        "TrackingCarrier",
        "TrackingEvent",
        "VariantTranslation",
        "Webhook",
        "WebhookCreate",
        "WebhookEvent",
        "WebhookStatus",
        "WebhookUpdate",
        "Webhooks",
        "parse_error",
        "parse_event",
        "read_event",
        "receive_event",
        "sign",
        "verify_signature",
        "webhook_handler",
    ],
    "shopbridge.kanal.sandbox": [
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
    ],
    "shopbridge.karla.sandbox": [
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
    ],
    "shopbridge.testing": [
        "kanal_sandbox",
        "kanal_sandbox_factory",
        "kanal_sandbox_rate_limited",
        "karla_sandbox",
        "karla_sandbox_factory",
    ],
    "shopbridge.cli": [
        "main",
    ],
}
"""Each public module's ``__all__``, as it must be."""

INTERNAL_PACKAGES = ("shopbridge.core", "shopbridge.core.bulk", "shopbridge.core.sansio")
"""Public by name (the tree shows the design), exporting nothing: users import from above."""


def _all_modules() -> list[str]:
    found = ["shopbridge"]
    found += [info.name for info in pkgutil.walk_packages(shopbridge.__path__, "shopbridge.")]
    return found


def _private(name: str) -> bool:
    return any(part.startswith("_") for part in name.split(".")[1:])


def test_every_module_not_listed_is_private() -> None:
    public = {name for name in _all_modules() if not _private(name)}
    assert public == {*PUBLIC, *INTERNAL_PACKAGES}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_a_public_module_exports_exactly_its_pinned_names(module: str) -> None:
    exported = importlib.import_module(module).__all__
    assert list(exported) == PUBLIC[module]


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_all_is_sorted(module: str) -> None:
    names = PUBLIC[module]
    assert names == sorted(names, key=lambda name: (not name.isupper(), name))


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_every_exported_name_exists(module: str) -> None:
    loaded = importlib.import_module(module)
    missing = [name for name in PUBLIC[module] if not hasattr(loaded, name)]
    assert missing == []


@pytest.mark.parametrize("package", INTERNAL_PACKAGES)
def test_an_internal_package_exports_nothing(package: str) -> None:
    assert getattr(importlib.import_module(package), "__all__", []) == []


def test_no_top_level_name_means_two_things() -> None:
    """A name of `shopbridge` is the same object wherever else it is exported; and a name the
    two dialects export for different things (``Order``) is not exported at the top."""
    kanal = importlib.import_module("shopbridge.kanal")
    karla = importlib.import_module("shopbridge.karla")
    for name in shopbridge.__all__:
        value = getattr(shopbridge, name)
        for dialect in (kanal, karla):
            if name in dialect.__all__:
                assert getattr(dialect, name) is value, (name, dialect.__name__)
    clashes = {
        name
        for name in set(kanal.__all__) & set(karla.__all__)
        if getattr(kanal, name) is not getattr(karla, name)
    }
    assert clashes  # there are some (Order, AsyncOrders, DEFAULT_BASE_URL...): reached apart
    assert clashes.isdisjoint(shopbridge.__all__)


def test_every_public_exception_is_in_the_one_drawn_tree() -> None:
    tree = inspect.getdoc(_errors) or ""
    for module in PUBLIC:
        loaded = importlib.import_module(module)
        for name in loaded.__all__:
            value = getattr(loaded, name)
            if isinstance(value, type) and issubclass(value, BaseException | Warning):
                assert value.__module__ == _errors.__name__, (module, name)
                assert name in tree, name
