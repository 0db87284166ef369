"""The practice's locations with their rooms, as the locations page lists them."""

from typing import Any

from scheduling.tables import Location, Room


async def locations_with_rooms() -> list[dict[str, Any]]:
    """Every location by name, each with its rooms (a location without rooms too)."""
    locations = await Location.select().order_by(Location.name)
    rooms = await Room.select().order_by(Room.name)
    for location in locations:
        location["rooms"] = [r["name"] for r in rooms if r["location"] == location["id"]]
    return locations
