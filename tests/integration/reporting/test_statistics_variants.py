"""Volume % in its variants: against the contract on the measurement date or at referral,
with or without therapeutic (AT) hours (domain brief S1, pitfalls 7 and 8).

The SQL of every variant is compared with the reference implementation
(`reporting.statistics.reference.variant_volume` over the stored rows), on the HSK data set
of `test_statistics` plus hand-made clients whose figures are worked out here by hand: a
contract cut between referral and measurement, AT hours, a contract that starts only after
the referral, and a contract changed on the local day of a referral received at 00:30.
"""

import csv
import html
import io
import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from practice.tables import ContractHours, TreatmentEpisode, WorkParticipation
from practice.work_participation import ContractPeriod, ParticipationMeasurement
from reporting.statistics import sql as statistics
from reporting.statistics.definitions import (
    DEFAULT_VOLUME_VARIANT,
    ContractBasis,
    CountedHours,
    Moment,
    VolumeVariant,
)
from reporting.statistics.reference import (
    EpisodeOutcome,
    relapse_rate,
    share_resumed,
    variant_volume,
    volume_by_diagnosis,
)
from reporting.statistics.sql import Filters
from reporting.statistics.suppression import Cell
from tests.cast import Cast
from tests.integration.reporting.test_statistics import (
    TODAY,
    TZ,
    Spec,
    World,
    build,
    hsk_specs,
    other_employer_specs,
)
from tests.story import ok
from tests.web import login

MEASURED = DEFAULT_VOLUME_VARIANT
AT_REFERRAL = VolumeVariant(ContractBasis.REFERRAL)
WITH_AT = VolumeVariant(hours=CountedHours.WITH_THERAPEUTIC)
AT_REFERRAL_WITH_AT = VolumeVariant(ContractBasis.REFERRAL, CountedHours.WITH_THERAPEUTIC)
VARIANTS = (MEASURED, AT_REFERRAL, WITH_AT, AT_REFERRAL_WITH_AT)

CUT, WITH_AT_HOURS, LATE_CONTRACT, MIDNIGHT = 200, 201, 202, 203  # AT: index % 3 == 0


def _hand_made(index: int, **changes: object) -> Spec:
    spec = Spec(
        index=index,
        diagnosis="angststoornis",
        begin=50,
        end=100,
        follow_up=None,
        employer="other",
        referred_at=datetime(2025, 6, 2, 9, tzinfo=TZ),
        screened_on=date(2025, 6, 5),
        started_on=date(2025, 6, 16),
        closed_on=date(2025, 8, 25),
        first_sick_day=date(2025, 5, 1),
        held=6,
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def hand_made_specs() -> list[Spec]:
    return [
        # 40 h at referral, cut to 32 h before the first session: 50 % and 100 % of 32 h.
        _hand_made(CUT, contract_cut_on=date(2025, 6, 9)),
        # 25 % and 75 % of 40 h on wage value, plus 2 h AT in each week.
        _hand_made(WITH_AT_HOURS, begin=25, end=75),
        # Its only contract starts after the referral (moved below): none at referral.
        _hand_made(LATE_CONTRACT),
        # Received 00:30 on 3 June (22:30 UTC on the 2nd); 32 h from 3 June on.
        _hand_made(
            MIDNIGHT,
            diagnosis="somatische_symptoomstoornis",
            referred_at=datetime(2025, 6, 3, 0, 30, tzinfo=TZ),
            contract_cut_on=date(2025, 6, 3),
        ),
    ]


@pytest.fixture
async def world(cast: Cast) -> World:
    found = await build(cast, hsk_specs() + other_employer_specs(100) + hand_made_specs())
    episode = await TreatmentEpisode.select(TreatmentEpisode.employment).where(
        TreatmentEpisode.id == found.episode_ids[LATE_CONTRACT]
    )
    await ContractHours.update({ContractHours.valid_from: date(2025, 6, 10)}).where(
        ContractHours.employment == episode[0]["employment"]
    )
    return found


async def reference_outcomes(world: World, variant: VolumeVariant) -> list[EpisodeOutcome]:
    """Each spec's outcome with its volumes computed from the stored rows in Python."""
    contracts: dict[int, list[ContractPeriod]] = {}
    for c in await ContractHours.select():
        contracts.setdefault(int(c["employment"]), []).append(
            ContractPeriod(c["valid_from"], Decimal(c["minutes_per_week"]) / 60)
        )
    volumes: dict[tuple[int, str], Decimal | None] = {}
    for m in await WorkParticipation.select().order_by(WorkParticipation.id):
        measurement = ParticipationMeasurement(
            measured_on=m["measured_on"],
            own_work_hours=Decimal(m["own_work_minutes"]) / 60,
            adapted_work_hours=Decimal(m["adapted_work_minutes"]) / 60,
            therapeutic_hours=Decimal(m["therapeutic_minutes"]) / 60,
            productive_hours=Decimal(m["productive_minutes"]) / 60,
        )
        spec = next(s for s in world.specs if world.episode_ids[s.index] == m["episode"])
        volumes[(int(m["episode"]), str(m["moment"]))] = variant_volume(
            measurement, contracts.get(int(m["employment"]), []), spec.referred_on, variant
        )
    outcomes = []
    for spec in world.specs:
        episode = world.episode_ids[spec.index]
        outcomes.append(
            replace(
                spec.outcome(),
                volume_begin=volumes.get((episode, Moment.BEGIN.value)),
                volume_end=volumes.get((episode, Moment.END.value)),
                volume_follow_up=volumes.get((episode, Moment.FOLLOW_UP.value)),
            )
        )
    return outcomes


def _screened(outcomes: list[EpisodeOutcome]) -> list[EpisodeOutcome]:
    return [o for o in outcomes if o.screened_on is not None]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v.basis}-{v.hours}")
async def test_each_variant_in_sql_equals_the_reference_for_all_and_for_one_employer(
    world: World, variant: VolumeVariant
) -> None:
    everyone = await reference_outcomes(world, variant)
    for filters, chosen in (
        (Filters(), everyone),
        (
            Filters(employer_id=world.employers["other"]),
            [o for o, s in zip(everyone, world.specs, strict=True) if s.employer == "other"],
        ),
    ):
        found = await statistics.volumes(filters, tz=TZ, variant=variant)
        expected = volume_by_diagnosis(chosen)
        assert found.by_diagnosis.cells == expected.cells
        assert found.by_diagnosis.missing == expected.missing
        assert found.shares == share_resumed(chosen)
        after = await statistics.after_treatment(filters, TODAY, tz=TZ, variant=variant)
        assert after.relapse == relapse_rate(_screened(chosen))


async def test_the_hand_made_clients_come_out_as_worked_out_by_hand(world: World) -> None:
    other = Filters(employer_id=world.employers["other"])

    async def anxiety(variant: VolumeVariant) -> list[Cell]:
        found = await statistics.volumes(other, tz=TZ, variant=variant)
        return [found.by_diagnosis.cells["angststoornis"][m] for m in (Moment.BEGIN, Moment.END)]

    # Measurement date: 50, 25, 50 and 100, 75, 100.
    assert await anxiety(MEASURED) == [Cell(Decimal("41.7"), 3), Cell(Decimal("91.7"), 3)]
    # At referral: the cut client's 16 h and 32 h are 40 % and 80 % of 40 h; the client
    # whose contract started after the referral has no percentage (missing, not 0).
    assert await anxiety(AT_REFERRAL) == [Cell(Decimal("32.5"), 2), Cell(Decimal("77.5"), 2)]
    # With AT: 12 h of 40 h is 30 %, 32 h is 80 %.
    assert await anxiety(WITH_AT) == [Cell(Decimal("43.3"), 3), Cell(Decimal("93.3"), 3)]
    assert await anxiety(AT_REFERRAL_WITH_AT) == [
        Cell(Decimal("35.0"), 2),
        Cell(Decimal("80.0"), 2),
    ]
    missing = (await statistics.volumes(other, tz=TZ, variant=AT_REFERRAL)).by_diagnosis.missing
    assert missing["angststoornis"][Moment.BEGIN] == 1
    # The referral of 00:30 on 3 June is on 3 June: the 32 h contract of that day counts.
    midnight = await statistics.volumes(other, tz=TZ, variant=AT_REFERRAL)
    assert midnight.by_diagnosis.cells["somatische_symptoomstoornis"][Moment.BEGIN] == Cell(
        Decimal("50.0"), 1
    )


async def test_without_a_variant_the_figures_keep_their_meaning(world: World) -> None:
    main = Filters(employer_id=world.employers["main"])
    assert await statistics.volumes(main, tz=TZ) == await statistics.volumes(
        main, tz=TZ, variant=MEASURED
    )
    # The HSK client whose contract was cut before the end: 85 % of 32 h, 68 % of 40 h.
    cut_at_referral = await statistics.volumes(main, tz=TZ, variant=AT_REFERRAL)
    default = await statistics.volumes(main, tz=TZ)
    anxiety_end = Moment.END
    assert default.by_diagnosis.cells["angststoornis"][anxiety_end] == Cell(Decimal(91), 8)
    assert cut_at_referral.by_diagnosis.cells["angststoornis"][anxiety_end] == Cell(
        Decimal("88.9"), 8
    )


# ---------------------------------------------------------------- the dashboard's choice


def _cell(page: str, key: str) -> str:
    match = re.search(rf'<td data-cell="{re.escape(key)}">(.*?)</td>', page, re.S)
    assert match, f"no cell {key}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def _basis_lines(page: str) -> dict[str, str]:
    return {
        key: html.unescape(text.strip())
        for key, text in re.findall(r'data-basis="([^"]+)">([^<]*)<', page)
    }


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_the_dashboard_computes_and_names_the_chosen_basis_on_page_json_and_csv(
    client: Any, cast: Cast, world: World
) -> None:
    await login(client, cast.practice_manager.email)
    main = f"employer_id={world.employers['main']}"

    page = await client.get(f"/statistics/outcomes?{main}")
    assert page.status_code == 200, page.text
    default = "Percentage van de contracturen: contract op de meetdatum, uren op loonwaarde"
    # The board's lead, and each volume table (S1/S2, shares, relapse, per absence) under
    # its figures.
    assert _basis_lines(page.text) == dict.fromkeys(
        ("board", "volume", "resumption", "relapse", "volume_per_absence"), default
    )
    assert _cell(page.text, "volume:angststoornis:1") == "91,0 n = 8"

    chosen = f"{main}&basis=referral&hours=with_therapeutic"
    page = await client.get(f"/statistics/outcomes?{chosen}")
    assert page.status_code == 200, page.text
    named = (
        "Percentage van de contracturen: contract bij aanmelding, "
        "inclusief arbeidstherapeutische (AT-)uren"
    )
    assert set(_basis_lines(page.text).values()) == {named}
    assert '<option value="referral" selected>' in page.text
    assert '<option value="with_therapeutic" selected>' in page.text
    # The cut client's end counts against the 40 h at referral; AT hours add 2 h a week
    # to every third client. The figure is the reference's in that variant.
    found = await statistics.volumes(Filters(employer_id=world.employers["main"]), tz=TZ)
    assert found.by_diagnosis.cells["angststoornis"][Moment.END] == Cell(Decimal(91), 8)
    expected = volume_by_diagnosis(
        [
            o
            for o, s in zip(
                await reference_outcomes(world, AT_REFERRAL_WITH_AT), world.specs, strict=True
            )
            if s.employer == "main"
        ]
    ).cells["angststoornis"][Moment.END]
    assert expected.value is not None and expected.value != Decimal(91)
    shown = f"{expected.value}".replace(".", ",")
    assert _cell(page.text, "volume:angststoornis:1") == f"{shown} n = 8"

    data = await ok(
        await client.get(
            f"/api/statistics/outcomes?{chosen}", headers={"accept": "application/json"}
        )
    )
    assert data["volume_basis"]["basis"] == "referral"
    assert data["volume_basis"]["hours"] == "with_therapeutic"
    tables = {t["key"]: t for t in data["tables"]}
    assert {key for key, t in tables.items() if t["basis"]} == {
        "volume",
        "resumption",
        "relapse",
        "volume_per_absence",
    }
    row = next(r for r in tables["volume"]["rows"] if r["key"] == "angststoornis")
    assert row["cells"][1]["value"] == str(expected.value)

    response = await client.get(f"/statistics/outcomes.csv?table=volume&{chosen}")
    assert response.status_code == 200
    assert [named] in list(csv.reader(io.StringIO(response.text)))

    client.cookies.set("lang", "en")
    english = await client.get(f"/statistics/outcomes?{chosen}")
    assert english.status_code == 200
    assert set(_basis_lines(english.text).values()) == {
        "Percentage of contract hours: contract at referral, including therapeutic (AT) hours"
    }


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_an_unknown_basis_or_hours_is_a_400_naming_both(client: Any, cast: Cast) -> None:
    await login(client, cast.practice_manager.email)
    response = await client.get(
        "/api/statistics/outcomes?basis=yesterday&hours=all",
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert "basis" in response.text and "hours" in response.text
