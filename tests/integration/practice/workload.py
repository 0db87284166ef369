"""A therapist's caseload to filter, sort and start the day with (the caseload and today tests).

On Monday 15 June 2026, 10:00, the cast's therapist has five clients; a colleague has one:

- Anna Jansen (Zorg & Co): referred 10 June, the screening clock has five days left;
- Bram Öztürk (Bouw BV): referred 20 May, the screening is overdue;
- Carla de Wit (Zorg & Co): referred 1 June, screened and in treatment, with appointments
  today at 09:00 (held) and 14:00, and on Wednesday; a briefing draft waits for approval;
- Daan 100%_Test "O'Neil" (Bouw BV): referred 2 June, a name with LIKE wildcards and quotes;
  screened and in treatment, an appointment on Tuesday;
- Eva Ander (Zorg & Co): the colleague's client, referred 9 June, in treatment, an
  appointment today at 11:00 and a draft: never on the cast therapist's pages.
"""

import re
from dataclasses import dataclass
from datetime import date

import httpx

from practice.accounts import Role
from reporting.tables import Report
from tests.cast import Cast, Member, make_user
from tests.story import ok, setup_parties
from tests.web import api, login

NOW = "2026-06-15 10:00 +0200"
TODAY = date(2026, 6, 15)
HTML = {"accept": "text/html"}
ODD_NAME = 'Daan 100%_Test "O\'Neil"'


@dataclass(frozen=True)
class Workload:
    episodes: dict[str, int]  # first name -> episode id
    employers: dict[str, int]  # name -> id
    colleague: Member
    drafts: dict[str, int]  # first name -> report id


async def _refer(
    client: httpx.AsyncClient, name: str, employer_id: int, received: str, therapist: Member
) -> int:
    created = await ok(
        await api(
            client,
            "POST",
            "/api/clients",
            {
                "name": name,
                "employer_id": employer_id,
                "contract_hours": "32",
                "contract_from": "2020-01-01",
            },
        ),
        201,
    )
    referral = {
        "client_id": created["client_id"],
        "received_at": f"{received}T09:00:00+02:00",
        "referrer_type": "employer",
        "requested_offer": "atwork_basic",
        "absence_status": "sickness",
        "first_sick_day": "2026-05-01",
        "therapist_user_id": therapist.id,
    }
    episode = await ok(await api(client, "POST", "/api/referrals", referral), 201)
    return int(episode["episode_id"])


async def _treat(client: httpx.AsyncClient, episode_id: int, screened: str) -> None:
    path = f"/api/episodes/{episode_id}"
    screening = {
        "held_on": screened,
        "suitable": True,
        "diagnosis_category": "angststoornis",
        "proposal": "atwork_basic",
    }
    await ok(await api(client, "POST", f"{path}/screening", screening), 201)
    start = {"to_status": "in_treatment", "on": screened}
    await ok(await api(client, "POST", f"{path}/transitions", start))


async def _book(client: httpx.AsyncClient, episode_id: int, starts_at: str) -> int:
    body = {"kind": "treatment_session", "starts_at": f"{starts_at}:00+02:00"}
    path = f"/api/episodes/{episode_id}/appointments"
    return int((await ok(await api(client, "POST", path, body), 201))["id"])


async def _draft(episode_id: int, due_on: date) -> int:
    rows = await Report.insert(
        Report(episode=episode_id, kind="briefing", ordinal=0, status="draft", due_on=due_on)
    ).returning(Report.id)
    return int(rows[0]["id"])


async def build_workload(client: httpx.AsyncClient, cast: Cast) -> Workload:
    """Call inside ``time_machine.travel(NOW)``; ends logged in as the cast's therapist."""
    parties = await setup_parties(client, cast)
    colleague = await make_user(Role.THERAPIST, "colleague@cast.test")
    await ok(await api(client, "POST", "/api/therapists", {"user_id": colleague.id}), 201)
    bouw = await ok(
        await api(
            client, "POST", "/api/employers", {"name": "Bouw BV", "default_offer": "atwork_basic"}
        ),
        201,
    )
    employers = {"Zorg & Co": parties["employer"], "Bouw BV": int(bouw["id"])}
    zorg, bouw_id = employers["Zorg & Co"], employers["Bouw BV"]
    await login(client, cast.practice_manager.email)
    me = cast.therapist
    episodes = {
        "Anna": await _refer(client, "Anna Jansen", zorg, "2026-06-10", me),
        "Bram": await _refer(client, "Bram Öztürk", bouw_id, "2026-05-20", me),
        "Carla": await _refer(client, "Carla de Wit", zorg, "2026-06-01", me),
        "Daan": await _refer(client, ODD_NAME, bouw_id, "2026-06-02", me),
        "Eva": await _refer(client, "Eva Ander", zorg, "2026-06-09", colleague),
    }
    await login(client, colleague.email)
    await _treat(client, episodes["Eva"], "2026-06-10")
    await _book(client, episodes["Eva"], "2026-06-15T11:00")
    await login(client, me.email)
    await _treat(client, episodes["Carla"], "2026-06-03")
    await _treat(client, episodes["Daan"], "2026-06-04")
    held = await _book(client, episodes["Carla"], "2026-06-15T09:00")
    path = f"/api/appointments/{held}/attendance"
    await ok(await api(client, "POST", path, {"attendance": "held"}))
    await _book(client, episodes["Carla"], "2026-06-15T14:00")
    await _book(client, episodes["Carla"], "2026-06-17T10:00")
    await _book(client, episodes["Daan"], "2026-06-16T09:30")
    drafts = {
        "Carla": await _draft(episodes["Carla"], date(2026, 6, 10)),
        "Eva": await _draft(episodes["Eva"], date(2026, 6, 17)),
    }
    return Workload(episodes, employers, colleague, drafts)


def rows_of(html: str) -> list[int]:
    """The episode ids of a page's rows and list items, in order (``data-episode``)."""
    return [int(m) for m in re.findall(r'data-episode="(\d+)"', html)]


def names(workload: Workload, html: str) -> list[str]:
    by_id = {v: k for k, v in workload.episodes.items()}
    return [by_id[i] for i in rows_of(html)]


def section(html: str, title_id: str) -> str:
    """The HTML of the section labelled by ``title_id``."""
    start = html.index(f'id="{title_id}"')
    return html[start : html.index("</section>", start)]
