"""Kanal's WhatsApp messaging API (``specs/kanal.md`` §7), inside `AsyncKanal`.

The same skeleton as the commerce side, one module per job:

``endpoints``   the five endpoints, each described once (method, path, pace key, idempotent)
``models``      what you send and what comes back, as attrs values
``validation``  the server's rules (required fields, the type enum, phones via ``phonenumbers``)
``table``       the decision rows and the body parser, in the docs' words (pure)
``client``      `MessagingChannel`: the `Api` these resources call, on its own engine
``resources``   ``messages``, ``templates``, ``automations``, ``account``
``bulk``        bulk sends: each record's Idempotency-Key, and how each record ended
``sync``        the blocking twins, derived from the async methods
"""
