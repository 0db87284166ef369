"""A document of the past tells only what its record knew that day (``ReportRecord.as_of``)."""

from datetime import date
from decimal import Decimal

from reporting.interim_reports import Agreement, Goal, PartyAdvice, ReportRecord, Score

DAY = date(2026, 5, 20)
BEFORE, AFTER = date(2026, 5, 4), date(2026, 5, 29)


def test_the_record_as_of_a_day_leaves_out_everything_that_came_after_it() -> None:
    record = ReportRecord(
        held_sessions=(BEFORE, DAY, AFTER),
        goals=(Goal("Bellen", BEFORE, AFTER), Goal("Later doel", AFTER, None)),
        participation=((BEFORE, Decimal(30)), (AFTER, Decimal(80))),
        agreements=(
            Agreement(BEFORE, "Halve dagen", Decimal(16), "active"),
            Agreement(AFTER, "Hele dagen", Decimal(32), "active"),
        ),
        scores=(Score("PHQ-9", "screening", BEFORE, 17, "moderately severe"),),
        advice=(PartyAdvice("therapist", AFTER, "Opbouwen", False, None),),
    )

    then = record.as_of(DAY)

    assert then.held_sessions == (BEFORE, DAY)
    assert then.goals == (Goal("Bellen", BEFORE, None),)  # achieved only later
    assert then.participation == ((BEFORE, Decimal(30)),)
    assert [a.description for a in then.agreements] == ["Halve dagen"]
    assert len(then.scores) == 1
    assert then.advice == ()
    assert record.as_of(AFTER) == record
