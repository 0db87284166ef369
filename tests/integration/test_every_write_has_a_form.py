"""Every JSON write route has a portal form (issue #16: no JSON client needed).

The app's routes are enumerated: every POST, PUT, PATCH or DELETE under ``/api/`` must have
an HTML door that a form posts to, unless it is on ``INTEGRATION_ONLY`` with its reason.
The HTML door of ``/api/x`` is ``/x`` (POST) unless ``FORM_FOR`` names another one. The
proof that the form exists is twofold: the HTML door is a POST route of the app, open to at
least one role of the JSON door, and some template under ``templates/`` posts to it: an
``action="…"`` (``{{ … }}`` standing for a path parameter) or a ``f.form("…" ~ id ~ "…")``
macro call whose first argument builds the path, or a ``{% set action = "…" ~ id ~ "…" %}``
that such a call then names.

A new JSON write route without a form fails the first test until a form is added (or the
route is put on the list on purpose, with its reason).
"""

import re
from pathlib import Path

from litestar import Litestar

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
EP = "/api/episodes/{episode_id:int}"

# Routes meant for other systems or for scripts, not for a person at a screen.
INTEGRATION_ONLY: dict[tuple[str, str], str] = {
    ("POST", "/api/fhir/referrals"): "a referral sent by the company doctor's own system (FHIR)",
    ("POST", "/api/calendar-feed"): "a token for a calendar app; the portal shows the calendar",
    ("DELETE", "/api/calendar-feed"): "revokes the calendar app's token (its pair above)",
}

# A JSON door whose form posts elsewhere than the JSON path without ``/api``.
FORM_FOR: dict[tuple[str, str], str] = {
    ("POST", "/api/absences"): "/calendar/absences",
    ("PUT", "/api/working-hours"): "/calendar/working-hours",
    ("POST", "/api/clients"): "/referrals",  # the client is registered with the referral
    ("POST", "/api/users"): "/admin/users",
    ("POST", "/api/employers"): "/admin/employers",
    ("POST", "/api/employers/{employer_id:int}/contacts"): (
        "/admin/employers/{employer_id:int}/contacts"
    ),
    ("POST", "/api/employers/{employer_id:int}/departments"): (
        "/admin/employers/{employer_id:int}/departments"
    ),
    ("POST", "/api/company-doctors"): "/admin/company-doctors",
    ("POST", "/api/locations"): "/admin/locations",
    ("POST", "/api/therapists"): "/admin/therapists",
    ("POST", "/api/closing-days"): "/calendar/closing-days",
    ("PATCH", "/api/reports/{report_id:int}"): "/reports/{report_id:int}/edit",  # per section
    ("POST", EP + "/appointment-series"): "/episodes/{episode_id:int}/appointments",  # count
    ("POST", "/api/appointments/{appointment_id:int}/minutes"): (
        "/appointments/{appointment_id:int}/minutes"
    ),
}

ACTION = re.compile(r"""\b(?:form)?action="([^"]*)\"""")
FORM_MACRO = re.compile(r"""\bf\.form\(\s*((?:"[^"]*"|'[^']*'|[^,)"'])+)""")
SET_ACTION = re.compile(r"""\{%-?\s*set\s+action\s*=\s*((?:"[^"]*"|'[^']*'|[^%"'])+)%""")
PARAMETER = re.compile(r"\{[^{}]*\}")


def _shape(path: str) -> str:
    """A path with each parameter as ``{}``: ``/episodes/{episode_id:int}`` -> ``/episodes/{}``."""
    return PARAMETER.sub("{}", path)


def _macro_path(expression: str) -> str:
    """``"/episodes/" ~ e.id ~ "/advice"`` -> ``/episodes/{}/advice``."""
    parts = []
    for piece in expression.split("~"):
        piece = piece.strip()
        if len(piece) >= 2 and piece[0] == piece[-1] and piece[0] in "\"'":
            parts.append(piece[1:-1])
        elif piece:
            parts.append("{}")
    return "".join(parts)


def form_actions() -> dict[str, set[str]]:
    """Every path a template's form posts to (shaped), with the templates that hold it."""
    found: dict[str, set[str]] = {}
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        actions = [re.sub(r"\{\{.*?\}\}", "{}", a) for a in ACTION.findall(text)]
        actions += [_macro_path(m) for m in FORM_MACRO.findall(text)]
        actions += [_macro_path(m.rstrip("- ")) for m in SET_ACTION.findall(text)]
        for action in actions:
            found.setdefault(action, set()).add(str(template.relative_to(TEMPLATES)))
    return found


def routes(app: Litestar) -> dict[tuple[str, str], set[str]]:
    """(method, path) -> the roles let in, for every route of the app."""
    found: dict[tuple[str, str], set[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.handler_name == "options_handler":
                continue
            roles = {r.value for r in handler.opt.get("roles") or ()}
            if handler.opt.get("public"):
                roles.add("PUBLIC")
            for method in handler.http_methods:
                found[(method, route.path)] = roles
    return found


def form_door(method: str, path: str) -> str:
    return FORM_FOR.get((method, path), path.removeprefix("/api"))


def missing_forms(app: Litestar) -> list[str]:
    """Each JSON write route without a portal form, with what is missing."""
    every = routes(app)
    actions = form_actions()
    missing = []
    for (method, path), roles in sorted(every.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if method not in WRITES or not path.startswith("/api/"):
            continue
        if (method, path) in INTEGRATION_ONLY:
            continue
        door = form_door(method, path)
        html_roles = every.get(("POST", door))
        if html_roles is None:
            missing.append(f"{method} {path}: no HTML door POST {door}")
        elif not roles & html_roles:
            missing.append(
                f"{method} {path}: POST {door} lets in {sorted(html_roles)}, not {sorted(roles)}"
            )
        elif _shape(door) not in actions:
            missing.append(f"{method} {path}: no template posts to {door}")
    return missing


def test_every_json_write_route_has_a_portal_form_or_a_reason_to_have_none(
    app: Litestar,
) -> None:
    writes = [key for key in routes(app) if key[0] in WRITES and key[1].startswith("/api/")]
    assert len(writes) >= 40  # the enumeration found the app's JSON doors, not nothing
    missing = missing_forms(app)
    assert missing == [], "JSON write routes without a portal form:\n" + "\n".join(missing)


def test_the_integration_only_list_and_the_form_table_name_only_routes_that_exist(
    app: Litestar,
) -> None:
    every = routes(app)
    stale = [f"{m} {p}" for (m, p) in [*INTEGRATION_ONLY, *FORM_FOR] if (m, p) not in every]
    assert stale == []


def test_a_template_form_is_found_whether_written_as_an_action_or_through_the_macro() -> None:
    assert _macro_path('"/episodes/" ~ e.id ~ "/advice"') == "/episodes/{}/advice"
    assert _macro_path("'/reports/' ~ r.id") == "/reports/{}"
    assert _shape("/episodes/{episode_id:int}/goals/{goal_id:int}") == "/episodes/{}/goals/{}"
    actions = form_actions()
    assert "/referrals" in actions  # a plain action="…"
    assert "/episodes/{}/transitions" in actions  # through f.form(…)
