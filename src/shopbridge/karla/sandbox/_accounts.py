"""The shops and API keys a Karla sandbox knows, and its defaults (``specs/karla.md`` §1.3, §1.4).

A key is HTTP Basic ``username:key``; it reaches the shops it names (or all of them) with a
role. An organisation's members (``GET /orgs/{org}/members``) are `KarlaOrgMember` values.
The defaults: `DEFAULT_API_KEY` (username `DEFAULT_USERNAME`) reaches `DEFAULT_SHOP`
only, `OTHER_API_KEY` reaches `OTHER_SHOP`, `EXPIRED_API_KEY` is answered 401 and
`VIEWER_API_KEY` may only read `DEFAULT_SHOP`; `DEFAULT_ORG` (both shops' organisation) has
two members.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from attrs import Factory, field, frozen, validators

__all__ = [
    "ALL_SHOPS",
    "DEFAULT_ACCOUNTS",
    "DEFAULT_API_KEY",
    "DEFAULT_ORG",
    "DEFAULT_SHOP",
    "DEFAULT_USERNAME",
    "EXPIRED_API_KEY",
    "OTHER_API_KEY",
    "OTHER_SHOP",
    "VIEWER_API_KEY",
    "KarlaAccounts",
    "KarlaApiKey",
    "KarlaOrgMember",
    "KarlaShop",
    "Role",
]

ALL_SHOPS = "*"
"""The shop slug of a key that reaches every shop (``ShopRole.shop_slug = "*"``)."""

Role = Literal["admin", "editor", "viewer"]
FeatureCommunity = Literal["alpha", "beta", "live"]

DEFAULT_ORG = "sandbox-org"
"""The organisation of the default shops."""

DEFAULT_SHOP = "sandbox-shop"
"""The shop `DEFAULT_API_KEY` reaches."""
DEFAULT_USERNAME = DEFAULT_SHOP
"""The Basic username of `DEFAULT_API_KEY`: the shop slug, Karla's default."""
DEFAULT_API_KEY = "sandbox-key"
"""The default key: `DEFAULT_SHOP` only."""
OTHER_SHOP = "other-shop"
"""A second shop: `DEFAULT_API_KEY` is answered 403 there."""
OTHER_API_KEY = "other-key"
"""The key of `OTHER_SHOP` (username ``other-shop``)."""
EXPIRED_API_KEY = "expired-key"
"""An expired key of `DEFAULT_SHOP` (username ``sandbox-shop``): answered 401."""
VIEWER_API_KEY = "viewer-key"
"""A read-only (``viewer``) key of `DEFAULT_SHOP` (username ``sandbox-shop``)."""


@frozen(kw_only=True)
class KarlaShop:
    """A shop the sandbox starts with.

    Attributes:
        slug: the ``{slug}`` of the URLs.
        name: its display name (default: the slug).
        organization: the organisation it belongs to.
    """

    slug: str = field(validator=validators.min_len(1))
    name: str = field(default=Factory(lambda self: self.slug, takes_self=True))
    organization: str = DEFAULT_ORG


def _first_shop(key: KarlaApiKey) -> str:
    return key.shops[0] if key.shops else ""


@frozen(kw_only=True)
class KarlaApiKey:
    """An API key: HTTP Basic ``username:key``.

    Attributes:
        key: the generated key (the Basic password).
        shops: the slugs it reaches; `ALL_SHOPS` for every shop.
        username: the Basic username; defaults to the first shop's slug, as on Karla.
        role: ``admin`` and ``editor`` may write; ``viewer`` may only read (``GET``), an
            inference from the role names (spec Q14).
        expired: an expired (or deleted) key is answered 401.

    Raises:
        ValueError: no username, and no shop to default it to.
    """

    key: str = field(validator=validators.min_len(1))
    shops: tuple[str, ...]
    username: str = field(default=Factory(_first_shop, takes_self=True))
    role: Role = "admin"
    expired: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.username or self.username == ALL_SHOPS:
            msg = f"API key for shops {self.shops!r} needs a username"
            raise ValueError(msg)

    def covers(self, slug: str) -> bool:
        """Whether the key's shops include `slug`."""
        return ALL_SHOPS in self.shops or slug in self.shops


@frozen(kw_only=True)
class KarlaOrgMember:
    """A member of an organisation (spec §2.11's ``OrgMemberDTO``).

    Attributes:
        email_id: the member's e-mail address.
        org: the organisation's slug.
        feature_community: ``alpha``, ``beta`` or ``live``.
        feature_toggles: the features the member has.
        shops: the shops the member reaches; ``None`` for every shop of the organisation.
    """

    email_id: str = field(validator=validators.min_len(1))
    org: str = DEFAULT_ORG
    feature_community: FeatureCommunity = "live"
    feature_toggles: Mapping[str, Any] = field(factory=dict, eq=False)
    shops: tuple[str, ...] | None = None


@frozen(kw_only=True)
class KarlaAccounts:
    """The shops and keys a sandbox starts with.

    Raises:
        ValueError: two shops share a slug, or two keys a key.
    """

    shops: tuple[KarlaShop, ...]
    keys: tuple[KarlaApiKey, ...]
    members: tuple[KarlaOrgMember, ...] = ()

    def __attrs_post_init__(self) -> None:
        if len({shop.slug for shop in self.shops}) != len(self.shops):
            msg = "two shops share a slug"
            raise ValueError(msg)
        if len({key.key for key in self.keys}) != len(self.keys):
            msg = "two API keys share a key"
            raise ValueError(msg)

    def key(self, key: str) -> KarlaApiKey | None:
        """The API key with this key, if any."""
        return next((candidate for candidate in self.keys if candidate.key == key), None)

    def members_json(self) -> list[dict[str, Any]]:
        """The members as ``GET /orgs/{org}/members`` answers them, their shops filled in."""
        return [
            {
                "email_id": member.email_id,
                "feature_community": member.feature_community,
                "feature_toggles": dict(member.feature_toggles),
                "org": member.org,
                "shops": list(
                    member.shops
                    if member.shops is not None
                    else (shop.slug for shop in self.shops if shop.organization == member.org)
                ),
            }
            for member in self.members
        ]


DEFAULT_ACCOUNTS = KarlaAccounts(
    shops=(KarlaShop(slug=DEFAULT_SHOP), KarlaShop(slug=OTHER_SHOP)),
    keys=(
        KarlaApiKey(key=DEFAULT_API_KEY, shops=(DEFAULT_SHOP,)),
        KarlaApiKey(key=OTHER_API_KEY, shops=(OTHER_SHOP,)),
        KarlaApiKey(key=EXPIRED_API_KEY, shops=(DEFAULT_SHOP,), expired=True),
        KarlaApiKey(key=VIEWER_API_KEY, shops=(DEFAULT_SHOP,), role="viewer"),
    ),
    members=(
        KarlaOrgMember(email_id="owner@sandbox-org.example"),
        KarlaOrgMember(
            email_id="tester@sandbox-org.example",
            feature_community="beta",
            feature_toggles={"claims": True},
            shops=(DEFAULT_SHOP,),
        ),
    ),
)
"""Shops `DEFAULT_SHOP` and `OTHER_SHOP` of `DEFAULT_ORG`; keys `DEFAULT_API_KEY`,
`OTHER_API_KEY`, `EXPIRED_API_KEY`, `VIEWER_API_KEY`, each with its first shop's slug as
username; two members of `DEFAULT_ORG` (one of them in the ``beta`` community)."""
