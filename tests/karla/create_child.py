"""The process the Karla SIGKILL test kills: a checkpointed ``discounts.create_many``.

Usage, from the project's root: ``python -m tests.karla.create_child BASE_URL INPUT CHECKPOINT
DEAD_LETTER``.
"""

from __future__ import annotations

import asyncio
import sys

from shopbridge.karla import AsyncKarla
from shopbridge.karla.sandbox import DEFAULT_API_KEY, DEFAULT_SHOP, DEFAULT_USERNAME


async def main(base_url: str, source: str, checkpoint: str, dead_letter: str) -> None:
    async with AsyncKarla(DEFAULT_USERNAME, DEFAULT_API_KEY, DEFAULT_SHOP, base_url=base_url) as k:
        await k.discounts.create_many(
            source, checkpoint=checkpoint, dead_letter=dead_letter, concurrency=8
        )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
