"""Blocking methods derived from async ones: `Twin`, `blocking`, `blocking_feed`.

A blocking resource declares each method once, from the async method it mirrors; the twin
runs it on its client's event loop (`shopbridge.core._blocking.BlockingFacade`) and keeps its
signature and docstring.
"""

from __future__ import annotations

import inspect
import operator
import types
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, Generic, ParamSpec, TypeVar, overload

if TYPE_CHECKING:
    from shopbridge.core._blocking import BlockingFacade

__all__ = ["BlockingResource", "Twin", "blocking", "blocking_feed"]

_R = TypeVar("_R")
_P = ParamSpec("_P")


class BlockingResource:
    """Base of a blocking resource: the twin of the async resource at `name` on the client.

    Its methods are `blocking` (or `blocking_feed`) twins declared from the async methods,
    never written again::

        class Orders(BlockingResource):
            upsert = blocking(AsyncOrders.upsert)
            push_many = blocking_feed(AsyncOrders.push_many)

    Args:
        facade: the blocking client whose event loop runs the calls.
        name: the attribute of the async client that holds the async resource.
    """

    twin_of: ClassVar[type]
    """The async resource class this one is the twin of (a test checks none is missing)."""

    def __init__(self, facade: BlockingFacade[Any], name: str) -> None:
        self._facade = facade
        self._name = name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._facade!r}>"


_Run = Callable[[BlockingResource, "Callable[..., Any]", tuple[Any, ...], dict[str, Any]], Any]


class Twin(Generic[_P, _R]):
    """A blocking method derived from an async one: its signature and docstring, not a copy.

    On a blocking resource ``resource.method(*args, **kwargs)`` runs ``await
    async_method(async_resource, *args, **kwargs)`` on the client's event loop. Static types
    follow the async method exactly (parameter names, kinds, defaults; the awaited return
    type); `inspect.signature` and `help()` show the async method's, with the return it has
    here.

    Args:
        method: the async method, taken from its class (``AsyncOrders.upsert``).
        run: how a call is run on the facade (one call, or one fed from the caller's thread).
        returns: the return annotation shown here, when it is not the async one's.
        note: a paragraph added to the docstring.
    """

    def __init__(
        self,
        method: Callable[..., Any],
        run: _Run,
        *,
        returns: str | None = None,
        note: str | None = None,
    ) -> None:
        self._method = method
        self._run = run
        self.__doc__ = _twin_doc(method.__doc__, note)
        signature = inspect.signature(method)
        if returns is not None:
            signature = signature.replace(return_annotation=returns)
        self.__signature__ = signature
        self._name = method.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name
        self._qualname = f"{owner.__qualname__}.{name}"

    @overload
    def __get__(self, instance: None, owner: type) -> Callable[Concatenate[Any, _P], _R]: ...

    @overload
    def __get__(self, instance: BlockingResource, owner: type) -> Callable[_P, _R]: ...

    def __get__(
        self, instance: BlockingResource | None, owner: type
    ) -> Callable[_P, _R] | Callable[Concatenate[Any, _P], _R]:
        function = self._function()
        if instance is None:
            return function
        return types.MethodType(function, instance)

    def _function(self) -> Callable[..., Any]:
        function: Callable[..., Any] | None = self.__dict__.get("_built")
        if function is None:
            method, run = self._method, self._run

            def twin(resource: BlockingResource, /, *args: Any, **kwargs: Any) -> Any:
                return run(resource, method, args, kwargs)

            twin.__name__ = self._name
            twin.__qualname__ = getattr(self, "_qualname", self._name)
            twin.__doc__ = self.__doc__
            twin.__signature__ = self.__signature__  # type: ignore[attr-defined]
            twin.__module__ = method.__module__
            self.__dict__["_built"] = function = twin
        return function


def _twin_doc(doc: str | None, note: str | None) -> str | None:
    if note is None:
        return doc
    # Cleaned first: a note at column 0 after an indented docstring would break its indentation.
    return f"{inspect.cleandoc(doc)}\n\n{note}" if doc else note


def _run_call(
    resource: BlockingResource,
    method: Callable[..., Awaitable[Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    target = operator.attrgetter(resource._name)
    return resource._facade._call(lambda client: method(target(client), *args, **kwargs))


def _run_fed(
    resource: BlockingResource,
    method: Callable[..., Awaitable[Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    records, *rest = args
    target = operator.attrgetter(resource._name)

    def call(client: Any, fed: Any, size: int | None) -> Awaitable[Any]:
        options = kwargs
        if size is not None and kwargs.get("total") is None:
            options = {**kwargs, "total": size}  # a sized input shows its progress as a share
        return method(target(client), fed, *rest, **options)

    return resource._facade._call_with_records(call, records)


def blocking(method: Callable[Concatenate[Any, _P], Awaitable[_R]]) -> Twin[_P, _R]:
    """The blocking twin of an async method: one call on the client's event loop."""
    return Twin(method, _run_call)


def blocking_feed(method: Callable[Concatenate[Any, _P], Awaitable[_R]]) -> Twin[_P, _R]:
    """The blocking twin of an async method whose first argument is a stream of records.

    A path or an async iterable goes to the event loop as it is; a sync iterable (a database
    cursor, a generator) is read in the caller's thread, where it belongs, and handed over in
    bounded batches; a sized one gives the progress its ``total``.
    """
    return Twin(
        method,
        _run_fed,
        note="A sync iterable is read in the caller's thread; ``on_progress`` is called on the "
        "client's event-loop thread.",
    )
