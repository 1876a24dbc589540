"""The stores and API keys a Kanal sandbox knows, and its default accounts (spec §2.3).

A key is team-wide (it works for every store of the team that created it) or restricted by
Kanal to one store. The defaults: `DEFAULT_API_KEY` belongs to team A, which owns store 1 and
the paused store 2; `OTHER_TEAM_API_KEY` belongs to team B, which owns store 3;
`SINGLE_STORE_API_KEY` is team A's key restricted to store 1.
"""

from __future__ import annotations

from attrs import Factory, field, frozen, validators

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DEFAULT_API_KEY",
    "DEFAULT_STORE_ID",
    "OTHER_TEAM_API_KEY",
    "OTHER_TEAM_STORE_ID",
    "PAUSED_STORE_ID",
    "SINGLE_STORE_API_KEY",
    "KanalAccounts",
    "KanalApiKey",
    "KanalStore",
]

DEFAULT_API_KEY = "sandbox-key"
"""Team A's key: authorised for every store team A owns (1, and the paused 2)."""
OTHER_TEAM_API_KEY = "other-team-key"
"""Team B's key: authorised for store 3 only, so it gets 403 on stores 1 and 2."""
SINGLE_STORE_API_KEY = "store-1-key"
"""A team A key that Kanal restricted to store 1: 403 on any other store."""
DEFAULT_STORE_ID = 1
"""Team A's active store."""
PAUSED_STORE_ID = 2
"""Team A's paused store: every request for it gets 404 "Store not found or paused"."""
OTHER_TEAM_STORE_ID = 3
"""Team B's store."""


@frozen(kw_only=True)
class KanalStore:
    """A store in Kanal.

    Attributes:
        id: the ``store_id`` of the URLs.
        team: the team that owns it.
        paused: a paused store answers 404 "Store not found or paused".
    """

    id: int = field(validator=validators.ge(0))
    team: str
    paused: bool = False


@frozen(kw_only=True)
class KanalApiKey:
    """An API key.

    Attributes:
        token: the bearer token.
        team: the team that created it; a team-wide key works for every store of the team.
        store_id: set when Kanal restricted the key to this one store.
    """

    token: str = field(validator=validators.min_len(1))
    team: str
    store_id: int | None = None

    def authorizes(self, store: KanalStore) -> bool:
        """Whether this key may write into `store` (spec §2.3)."""
        if self.store_id is not None:
            return store.id == self.store_id
        return store.team == self.team


def _by_id(accounts: KanalAccounts) -> dict[int, KanalStore]:
    return {store.id: store for store in accounts.stores}


def _by_token(accounts: KanalAccounts) -> dict[str, KanalApiKey]:
    return {key.token: key for key in accounts.keys}


@frozen(kw_only=True)
class KanalAccounts:
    """The stores and keys a sandbox knows.

    Raises:
        ValueError: two stores share an id, or two keys a token.
    """

    stores: tuple[KanalStore, ...]
    keys: tuple[KanalApiKey, ...]
    _stores: dict[int, KanalStore] = field(
        init=False, repr=False, eq=False, default=Factory(_by_id, takes_self=True)
    )
    _keys: dict[str, KanalApiKey] = field(
        init=False, repr=False, eq=False, default=Factory(_by_token, takes_self=True)
    )

    def __attrs_post_init__(self) -> None:
        if len(self._stores) != len(self.stores):
            msg = "two stores share an id"
            raise ValueError(msg)
        if len(self._keys) != len(self.keys):
            msg = "two API keys share a token"
            raise ValueError(msg)

    def store(self, store_id: int) -> KanalStore | None:
        """The store with this id, if any."""
        return self._stores.get(store_id)

    def key(self, token: str) -> KanalApiKey | None:
        """The key with this token, if any."""
        return self._keys.get(token)


DEFAULT_ACCOUNTS = KanalAccounts(
    stores=(
        KanalStore(id=DEFAULT_STORE_ID, team="team-a"),
        KanalStore(id=PAUSED_STORE_ID, team="team-a", paused=True),
        KanalStore(id=OTHER_TEAM_STORE_ID, team="team-b"),
    ),
    keys=(
        KanalApiKey(token=DEFAULT_API_KEY, team="team-a"),
        KanalApiKey(token=OTHER_TEAM_API_KEY, team="team-b"),
        KanalApiKey(token=SINGLE_STORE_API_KEY, team="team-a", store_id=DEFAULT_STORE_ID),
    ),
)
"""Team A (`DEFAULT_API_KEY`, `SINGLE_STORE_API_KEY`) owns stores 1 and 2 (paused); team B
(`OTHER_TEAM_API_KEY`) owns store 3."""
