"""The API-agnostic core: decide, pace, retry and send. Knows HTTP, never Kanal or Karla.

Private: users import from `shopbridge`, `shopbridge.kanal` and `shopbridge.karla`, which
re-export the public names; dialects import from the modules below. One module per job:

``sansio/``        PURE (stdlib and attrs only): outcomes, the decision table, waits, the retry
                   policy, the rate window, URL rules, multipart bytes. Everything is decided there.
``_errors``        every public exception, the tree drawn in its docstring
``_transport``     a client's aiohttp session, and the one place aiohttp's errors are mapped
``_pacing``        per-store limiters: the waiting around ``sansio._window``
``_retry``         the retry loop and its sleeps (the only ``import backoff``)
``_engine``        ``Engine.send()``: pace → transport → decide → act, for one request
``_requests``      what the engine takes and gives: Request, Reply, EngineCounters
``_bodies``        request and response bodies as bytes (JSON, one file as multipart)
``_exact_json``    JSON read with every digit kept, and duplicate keys refused
``_endpoint``      endpoints as data, a call's answer, and `Api`: the protocol resources call
``_client_base``   `EngineClient`: `Api` over one engine, with the dialect's four hooks
``_private_loop``  a blocking client's own event loop, run in the caller's thread
``_blocking``      the blocking facade on that loop, or on one anyio portal where it must
                   (the only ``anyio.from_thread``)
``_twins``         blocking methods derived from the async ones
``bulk/``          the bulk runner: entry points, bookkeeping, report, files, sources
"""
