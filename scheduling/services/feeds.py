"""A therapist's secret calendar-feed URLs: create one, revoke them all (e.g. a lost phone).

Only the token's hash is stored; the feed itself is read by ``scheduling.queries.appointments``.
"""

from datetime import UTC, datetime

from scheduling.queries.appointments import token_hash
from scheduling.tables import CalendarFeed


async def create_feed(therapist_user_id: int | None, token: str) -> None:
    await CalendarFeed.insert(
        CalendarFeed(therapist=therapist_user_id, token_hash=token_hash(token))
    )


async def revoke_feeds(therapist_user_id: int | None) -> None:
    await CalendarFeed.update({CalendarFeed.revoked_at: datetime.now(UTC)}).where(
        (CalendarFeed.therapist == therapist_user_id) & CalendarFeed.revoked_at.is_null()
    )
