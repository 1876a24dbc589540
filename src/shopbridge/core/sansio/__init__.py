"""The pure half of the core: decisions and arithmetic, with no I/O of their own.

Stdlib and attrs only: no asyncio, aiohttp, anyio, backoff, logging, no clock reads and no
global randomness (``now`` and ``rng`` are arguments). An import-linter contract in the lint
session keeps it so, indirect imports included. One module per job:

``_outcome``      what one attempt produced (a response or a network failure), the request facts
``_verdict``      `Action`, `Verdict`, and `MEANINGS`: the one table of what each action means
``_table``        rules as data, and the pure ``decide()`` that reads them
``_http_rules``   the generic HTTP rows every dialect's table ends with
``_waits``        server wait hints (Retry-After, retry-after-ms, X-RateLimit-*) read and bounded
``_policy``       `RetryPolicy`, its `Plan`, and `CallState`: the state of one call
``_window``       a store's rate-limit window as arithmetic (tokens, anchoring, pauses)
``_urls``         the base-URL rules and what counts as this machine
``_multipart``    one file as ``multipart/form-data`` bytes
"""
