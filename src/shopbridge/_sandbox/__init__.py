"""The sandbox kit: what every API sandbox shares, whatever the API.

Private: users reach it through `shopbridge.kanal.sandbox` and `shopbridge.karla.sandbox`,
which re-export the public names. Nothing here knows an API's auth, bodies or error shapes
(except ``laravel``, Kanal's framework). One module per job:

``server``     the base server: lifecycle, dispatch, faults, scripted answers, inspection, stats
``routing``    routing on the raw path, one percent-encoded segment per parameter
``faults``     the fault probabilities, their spec grammar and the seeded injector
``ratelimit``  the fixed-window limiter (Laravel's, also Karla's optional one) and its headers
``records``    the in-memory records: upserts, merges, soft deletes, seeds, write counts
``stats``      the counters
``responses``  JSON answers, broken 5xx bodies, dropped connections
``laravel``    what a Laravel backend does around every request (input, 404/405/429, casts)
``thread``     running a server on a background thread for synchronous callers
``runner``     serving from the command line until SIGINT or SIGTERM
"""
