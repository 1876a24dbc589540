"""The pages of a Karla search: one page awaited, or every item of every page iterated.

Karla's searches take ``page`` (1-based) and ``per_page`` (1-100) and answer a bare array, with
no total and no cursor (``specs/karla.md`` §2.1), so iteration asks ``page``, ``page + 1``, ...
and stops at the first page shorter than ``per_page``.

::

    first = await karla.orders.search(order_number="1001")  # one page: list[Order]
    async for order in karla.orders.search(per_page=100):  # every page
        ...
    for order in blocking_karla.orders.search():  # the blocking twin: one portal call per page
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from shopbridge.core._errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator

__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "BlockingPages", "Pages", "check_paging"]

DEFAULT_PER_PAGE = 30
"""Karla's default page size."""
MAX_PER_PAGE = 100
"""Karla's largest page size."""

_T = TypeVar("_T")


def check_paging(page: object, per_page: object, *, path: str) -> None:
    """Refuse, before sending, a page or page size that Karla answers with 422.

    Raises:
        ValidationError: ``page`` is not a positive integer, or ``per_page`` not in 1-100.
    """
    errors: dict[str, list[str]] = {}
    if isinstance(page, bool) or not isinstance(page, int):
        errors["page"] = ["Input should be a valid integer"]
    elif page < 1:
        errors["page"] = ["Input should be greater than 0"]
    if isinstance(per_page, bool) or not isinstance(per_page, int):
        errors["per_page"] = ["Input should be a valid integer"]
    elif per_page < 1:
        errors["per_page"] = ["Input should be greater than 0"]
    elif per_page > MAX_PER_PAGE:
        errors["per_page"] = [f"Input should be less than or equal to {MAX_PER_PAGE}"]
    if errors:
        raise ValidationError.before_sending(method="GET", path=path, field_errors=errors)


class Pages(Generic[_T]):
    """A search: await it for one page, iterate it (``async for``) for every item.

    Args:
        fetch: reads one page: ``(page, per_page) -> items``.
        page: the first page to read.
        per_page: the page size.
    """

    def __init__(
        self, fetch: Callable[[int, int], Awaitable[list[_T]]], *, page: int, per_page: int
    ) -> None:
        self._fetch = fetch
        self.page = page
        self.per_page = per_page

    def __repr__(self) -> str:
        return f"Pages(page={self.page}, per_page={self.per_page})"

    def __await__(self) -> Generator[Any, None, list[_T]]:
        return self.fetch().__await__()

    async def fetch(self) -> list[_T]:
        """The items of the first page only."""
        return await self._fetch(self.page, self.per_page)

    async def by_page(self) -> AsyncIterator[list[_T]]:
        """Every non-empty page, in order; stops after the first short page."""
        page = self.page
        while True:
            items = await self._fetch(page, self.per_page)
            if items:
                yield items
            if len(items) < self.per_page:
                return
            page += 1

    async def _items(self) -> AsyncIterator[_T]:
        async for items in self.by_page():
            for item in items:
                yield item

    def __aiter__(self) -> AsyncIterator[_T]:
        return self._items()


class BlockingPages(Generic[_T]):
    """The blocking twin of `Pages`: iterate it for every item; `fetch` for one page.

    Each page is one call on the client's own portal; nothing runs between pages.

    Args:
        fetch: reads one page on the client's portal: ``(page, per_page) -> items``.
        page: the first page to read.
        per_page: the page size.
    """

    def __init__(self, fetch: Callable[[int, int], list[_T]], *, page: int, per_page: int) -> None:
        self._fetch = fetch
        self.page = page
        self.per_page = per_page

    def __repr__(self) -> str:
        return f"BlockingPages(page={self.page}, per_page={self.per_page})"

    def fetch(self) -> list[_T]:
        """The items of the first page only."""
        return self._fetch(self.page, self.per_page)

    def by_page(self) -> Iterator[list[_T]]:
        """Every non-empty page, in order; stops after the first short page."""
        page = self.page
        while True:
            items = self._fetch(page, self.per_page)
            if items:
                yield items
            if len(items) < self.per_page:
                return
            page += 1

    def __iter__(self) -> Iterator[_T]:
        for items in self.by_page():
            yield from items
