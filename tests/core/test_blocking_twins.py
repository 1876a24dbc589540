"""The blocking twins are derived and complete: every public async method has one, in step."""

from __future__ import annotations

import inspect
import pydoc
from typing import TYPE_CHECKING, Any

import pytest

from shopbridge.core._twins import BlockingResource
from shopbridge.kanal import AsyncKanal, Kanal
from shopbridge.karla import AsyncKarla, Karla

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from shopbridge.core._blocking import BlockingFacade


def async_resources(client: object) -> dict[str, type]:
    return {name: type(value) for name, value in vars(client).items() if hasattr(value, "_api")}


def blocking_resources(client: object) -> dict[str, type[BlockingResource]]:
    return {
        name: type(value)
        for name, value in vars(client).items()
        if isinstance(value, BlockingResource)
    }


def _discovered() -> Iterator[tuple[str, dict[str, type], dict[str, type[BlockingResource]]]]:
    # Neither client opens anything before its first call (no session, no portal started).
    clients: list[tuple[str, object, BlockingFacade[Any]]] = [
        ("kanal", AsyncKanal("k", 1), Kanal("k", 1)),
        ("karla", AsyncKarla("s", "k", "s"), Karla("s", "k", "s")),
    ]
    for name, async_client, blocking in clients:
        yield name, async_resources(async_client), blocking_resources(blocking)
        blocking.close()


DISCOVERED = list(_discovered())
PAIRS = [
    pytest.param(async_cls, twins[attribute], id=f"{name}.{attribute}")
    for name, resources, twins in DISCOVERED
    for attribute, async_cls in resources.items()
    if attribute in twins
]


def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {
        name: method
        for name, method in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def parameters(method: Callable[..., Any]) -> list[tuple[str, object, object, object]]:
    return [
        (p.name, p.kind, p.default, p.annotation)
        for p in inspect.signature(method).parameters.values()
    ]


@pytest.mark.parametrize(
    ("resources", "twins"),
    [pytest.param(resources, twins, id=name) for name, resources, twins in DISCOVERED],
)
def test_the_blocking_client_has_a_twin_of_every_async_resource(
    resources: dict[str, type], twins: dict[str, type[BlockingResource]]
) -> None:
    assert resources, "no async resource found"
    assert set(twins) == set(resources)
    for name, async_cls in resources.items():
        assert twins[name].twin_of is async_cls


@pytest.mark.parametrize(("async_cls", "blocking_cls"), PAIRS)
def test_every_public_async_method_has_its_blocking_twin(
    async_cls: type, blocking_cls: type
) -> None:
    assert set(public_methods(blocking_cls)) == set(public_methods(async_cls))


@pytest.mark.parametrize(("async_cls", "blocking_cls"), PAIRS)
def test_a_twin_takes_the_async_methods_parameters_and_its_doc(
    async_cls: type, blocking_cls: type
) -> None:
    for name, method in public_methods(async_cls).items():
        twin = getattr(blocking_cls, name)
        assert parameters(twin) == parameters(method), name
        doc, twin_doc = inspect.getdoc(method), inspect.getdoc(twin)
        assert doc is not None, name
        assert twin_doc is not None, name
        assert twin_doc == doc or twin_doc.startswith(f"{doc}\n\n"), name


@pytest.mark.parametrize(("async_cls", "blocking_cls"), PAIRS)
def test_a_twin_returns_what_the_blocking_client_gives(async_cls: type, blocking_cls: type) -> None:
    for name, method in public_methods(async_cls).items():
        returned = str(inspect.signature(getattr(blocking_cls, name)).return_annotation)
        expected = str(inspect.signature(method).return_annotation)
        if expected.startswith("Pages["):  # a search: its pages, read one call per page
            expected = f"Blocking{expected}"
        if expected == "ResultStream":  # a stream_many: a plain iterator, one call per result
            expected = "BlockingResultStream"
        assert returned == expected, name


@pytest.mark.parametrize(("async_cls", "blocking_cls"), PAIRS)
def test_help_on_a_blocking_resource_shows_its_methods_and_their_parameters(
    async_cls: type, blocking_cls: type
) -> None:
    text = pydoc.plain(pydoc.render_doc(blocking_cls))

    for name in public_methods(async_cls):
        twin = getattr(blocking_cls, name)
        assert f"{name}{inspect.signature(twin)}" in text
        summary = (inspect.getdoc(twin) or "").splitlines()[0]
        assert summary in text
