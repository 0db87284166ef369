"""Finding a person by part of their name: the caseload's search, and the search of every
portal list that grows with a practice (the employer's employees, the company doctor's
clients). Pure.

A list filtered by name is filtered before it is audited: the audit names the clients shown,
not every client the reader could have seen.
"""

import unicodedata

# A client's name is at most 200 characters (practice.tables.Client); a longer search can
# match nothing, so it is cut there rather than carried around the page.
SEARCH_MAX_LENGTH = 200


def fold(text: str) -> str:
    """Case and accents folded, so that "ozturk" finds "Öztürk" and "JANSEN" finds "Jansen"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_search(raw: object) -> str:
    """A search as typed in the address bar: spaces collapsed, cut at the longest name."""
    return " ".join(str(raw or "").split())[:SEARCH_MAX_LENGTH]


def name_matches(search: str, name: object) -> bool:
    """True when ``name`` holds ``search`` (folded), and always for an empty search."""
    return not search or fold(search) in fold(str(name))
