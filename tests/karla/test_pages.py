"""Pagination: one page awaited, every page iterated, a short page ends it; bad paging refused."""

from __future__ import annotations

import pytest

from shopbridge.core._errors import ValidationError
from shopbridge.karla import BlockingPages, Pages
from shopbridge.karla._pages import check_paging

pytestmark = pytest.mark.anyio

ITEMS = list(range(7))


def pages_asked() -> tuple[list[tuple[int, int]], object]:
    asked: list[tuple[int, int]] = []

    def page_of(page: int, per_page: int) -> list[int]:
        asked.append((page, per_page))
        return ITEMS[(page - 1) * per_page : page * per_page]

    return asked, page_of


async def test_awaiting_a_search_reads_one_page() -> None:
    asked, page_of = pages_asked()

    async def fetch(page: int, per_page: int) -> list[int]:
        return page_of(page, per_page)  # type: ignore[operator,no-any-return]

    assert await Pages(fetch, page=2, per_page=3) == [3, 4, 5]
    assert asked == [(2, 3)]


@pytest.mark.parametrize(("per_page", "calls"), [(3, 3), (7, 2), (10, 1), (1, 8)])
async def test_iterating_reads_every_page_and_stops_on_a_short_one(
    per_page: int, calls: int
) -> None:
    asked, page_of = pages_asked()

    async def fetch(page: int, per_page: int) -> list[int]:
        return page_of(page, per_page)  # type: ignore[operator,no-any-return]

    assert [item async for item in Pages(fetch, page=1, per_page=per_page)] == ITEMS
    assert [page for page, _ in asked] == list(range(1, calls + 1))


def test_the_blocking_pages_iterate_the_same_way() -> None:
    asked, page_of = pages_asked()

    pages: BlockingPages[int] = BlockingPages(page_of, page=1, per_page=3)  # type: ignore[arg-type]

    assert list(pages) == ITEMS
    assert list(pages.by_page()) == [[0, 1, 2], [3, 4, 5], [6]]
    assert pages.fetch() == [0, 1, 2]
    assert len(asked) == 7


@pytest.mark.parametrize(
    ("page", "per_page", "path", "message"),
    [
        (0, 30, "page", "Input should be greater than 0"),
        (1, 0, "per_page", "Input should be greater than 0"),
        (1, 101, "per_page", "Input should be less than or equal to 100"),
        ("1", 30, "page", "Input should be a valid integer"),
        (1, True, "per_page", "Input should be a valid integer"),
    ],
)
def test_paging_karla_would_refuse_is_refused_before_sending(
    page: object, per_page: object, path: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_paging(page, per_page, path="/shops/s/orders")

    assert caught.value.field_errors == {path: (message,)}
    assert caught.value.attempts == 0
