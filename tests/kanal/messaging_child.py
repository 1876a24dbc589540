"""The process the messaging SIGKILL test kills: a checkpointed template send from a JSONL file.

Usage, from the project's root: ``python -m tests.kanal.messaging_child BASE_URL INPUT CHECKPOINT
DEAD_LETTER``.
"""

from __future__ import annotations

import asyncio
import sys

from shopbridge.kanal import AsyncKanal
from shopbridge.kanal.sandbox import DEFAULT_API_KEY
from tests.kanal.bulk_data import PATIENT


async def main(base_url: str, source: str, checkpoint: str, dead_letter: str) -> None:
    async with AsyncKanal(DEFAULT_API_KEY, base_url=base_url, retry=PATIENT) as kanal:
        await kanal.templates.push_many(
            source, checkpoint=checkpoint, dead_letter=dead_letter, concurrency=16
        )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
