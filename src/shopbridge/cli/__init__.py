"""The command line (click): ``shopbridge push``, ``sandbox``, ``demo``, ``quickstart``, ``table``.

A shell on top: it uses the public names of `shopbridge`, its two dialects and their sandboxes,
and the bulk runner's core; no module of shopbridge but ``__main__`` imports it. Only
this package imports click. One module per job:

``_commands``         the click group `main` and the small commands (``table``, ``demo``,
                      ``quickstart``); what ``shopbridge --help`` imports stops here and at
                      the two modules below: no client, sandbox, aiohttp, asyncio or rich
``_push_command``     ``push kanal|karla``: the options, checked; usage errors exit 2
``_sandbox_command``  ``sandbox kanal|karla``: serve a sandbox until Ctrl-C or SIGTERM
``_options``          what the commands' options share: the sandboxes' spec parsers as
                      click callbacks, and stacking options
``_push``             the push job: the client or the embedded sandbox, the bulk run, the summary
``_console``          what a bulk run shows: the rich progress bar and the summary tables
``_demo``             ``shopbridge demo``: the sample shop (``demo_data/``) pushed, faults on
``_quickstart``       ``shopbridge quickstart``: every Kanal endpoint once, each verdict printed
"""

from __future__ import annotations

from shopbridge.cli._commands import main

__all__ = ["main"]
