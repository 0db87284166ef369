"""How far a deadline is reads the same everywhere (templates/practice/_due.html): never
"nog -88 dagen" for a silenced warning past its day, "vandaag" on the day itself."""

from datetime import date
from zoneinfo import ZoneInfo

from practice.platform import i18n
from practice.platform.templating import make_environment

DAY = date(2026, 12, 7)


def _due(*args: object, **kwargs: object) -> str:
    token = i18n.current_locale.set("nl")
    try:
        module = (
            make_environment(ZoneInfo("Europe/Amsterdam"))
            .get_template("practice/_due.html")
            .make_module({})
        )
        return str(module.due(*args, **kwargs))  # type: ignore[attr-defined]
    finally:
        i18n.current_locale.reset(token)


def test_a_silenced_warning_past_its_day_reads_as_days_late_never_as_negative_days_left() -> None:
    assert _due(-88, False, DAY) == "(88 dagen te laat, 7 dec 2026)"
    assert "<strong>" in _due(-3, True, DAY)  # overdue and not silenced: in bold


def test_the_day_itself_reads_today_and_a_bare_list_puts_the_date_in_brackets() -> None:
    assert _due(0, False, DAY) == "(vandaag, 7 dec 2026)"
    assert _due(7, False, DAY, bare=True) == "nog 7 dagen (7 dec 2026)"
