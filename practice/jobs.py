"""Jobs of the clinical core: thin doors that unpack ids and call one service."""

from typing import Any

from practice import outbox


async def send_message(ctx: dict[str, Any], message_id: int) -> bool:
    return await outbox.send_message(ctx["settings"], message_id)
