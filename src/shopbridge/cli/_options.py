"""What the commands' options share: reading the sandboxes' specs, and stacking options.

The ``--rate-limit`` and ``--faults`` specs are read by the sandbox of the API the command is
about, imported only when click calls back, that is after ``--help`` had its chance to exit:
``shopbridge --help`` never imports a sandbox (nor aiohttp).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import click

if TYPE_CHECKING:
    from collections.abc import Callable

    from shopbridge.kanal.sandbox import Faults, RateLimit

__all__ = ["Api", "faults_spec", "rate_limit_spec", "stacked"]

Api = Literal["kanal", "karla"]
"""The two APIs, by the name the commands give them."""


def rate_limit_spec(api: Api) -> Callable[[click.Context, click.Parameter, str], RateLimit | None]:
    """The callback that reads a ``LIMIT/SECONDS`` (or ``off``) option with `api`'s sandbox.

    Returns:
        A click callback: the `RateLimit`, ``None`` for ``off``; a bad spec is a usage error.
    """

    def parse(_ctx: click.Context, _param: click.Parameter, value: str) -> RateLimit | None:
        # Each branch imports from its own API's sandbox: the same class, re-exported by both.
        if api == "kanal":
            from shopbridge.kanal.sandbox import RateLimit, RateLimitSpecError  # noqa: PLC0415
        else:
            from shopbridge.karla.sandbox import RateLimit, RateLimitSpecError  # noqa: PLC0415
        try:
            return RateLimit.parse(value)
        except RateLimitSpecError as exc:
            raise click.BadParameter(str(exc)) from None

    return parse


def faults_spec(api: Api) -> Callable[[click.Context, click.Parameter, str], Faults]:
    """The callback that reads a ``--faults`` spec (``503=0.1,slow=0.05:0.3``) with `api`'s sandbox.

    Returns:
        A click callback: the `Faults`; a bad spec is a usage error that names the bad item.
    """

    def parse(_ctx: click.Context, _param: click.Parameter, value: str) -> Faults:
        if api == "kanal":
            from shopbridge.kanal.sandbox import Faults, FaultSpecError  # noqa: PLC0415
        else:
            from shopbridge.karla.sandbox import Faults, FaultSpecError  # noqa: PLC0415
        try:
            return Faults.parse(value)
        except FaultSpecError as exc:
            raise click.BadParameter(str(exc)) from None

    return parse


def stacked(
    *options: Callable[[Callable[..., None]], Callable[..., None]],
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """One decorator applying `options` in the order given, as if written one above the other."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate
