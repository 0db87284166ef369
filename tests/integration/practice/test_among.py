"""``among`` on the real engines: the same rows as Piccolo's ``is_in``, through a join and in
an update, with the ids bound as one parameter."""

from practice.accounts import Role
from practice.platform.db import among
from practice.tables import Therapist
from tests.cast import make_user


async def test_among_finds_the_rows_is_in_finds_on_a_column_through_a_join_and_in_an_update(
    db: None,
) -> None:
    members = [await make_user(Role.THERAPIST, f"among-{n}@cast.test") for n in range(4)]
    for member in members:
        await Therapist.insert(Therapist(user=member.id, capacity=10))
    wanted = [members[2].id, members[0].id, members[2].id]  # any order, a repeat

    def ids(rows: list[dict[str, object]]) -> list[int]:
        return sorted(int(str(row["user"])) for row in rows)

    by_join = await Therapist.select(Therapist.user).where(among(Therapist.user._.id, wanted))
    by_is_in = await Therapist.select(Therapist.user).where(Therapist.user._.id.is_in(wanted))
    assert ids(by_join) == ids(by_is_in) == sorted({members[0].id, members[2].id})

    await Therapist.update({Therapist.capacity: 30}).where(among(Therapist.user, wanted))
    changed = await Therapist.select(Therapist.user).where(Therapist.capacity == 30)
    assert ids(changed) == sorted({members[0].id, members[2].id})
