"""The sandbox kit: what every API sandbox shares, whatever the API.

Private: users reach it through `shopbridge.kanal.sandbox` and `shopbridge.karla.sandbox`,
which re-export the public names. Nothing here knows an API's auth, bodies, error shapes or
documented limits: those live in the dialects' sandboxes (Laravel's answers in
``shopbridge.kanal.sandbox._laravel``). One module per job:

``server``      the base server: lifecycle, dispatch, faults, scripted answers, the dialect's hooks
``routing``     routing on the raw path, one percent-encoded segment per parameter
``faults``      the fault probabilities, their spec grammar and the seeded injector
``ratelimit``   the fixed-window limiter (Laravel's algorithm), its spec grammar and its headers
``records``     the in-memory records: upserts, merges, soft deletes, seeds, write counts
``stats``       the counters
``inspection``  the read-only ``/_sandbox/`` routes: stats, faults, records, a dialect's views
``responses``   JSON answers, broken 5xx bodies, dropped connections
``thread``      running a server on a background thread for synchronous callers
``runner``      serving from the command line until SIGINT or SIGTERM
"""
