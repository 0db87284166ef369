"""``dir()`` of a Piccolo foreign key, the same names made cheaper (issue 21, P-1).

Piccolo's ``ForeignKey.__getattribute__`` asks ``name not in dir(self)`` on every access to
a public attribute of a foreign-key column (to resolve lazy table references), and the
query builder reads such attributes a hundred times for a page's joins and ``IN`` lists.
Python's own ``dir`` merges the dictionaries of the whole class hierarchy and sorts ~80
names each time: on the caseload that was a tenth of the page's time on SQLite.

`names_of` gives the names ``object.__dir__`` gives, in the order ``dir`` returns them: the
names of the class and its bases merged and sorted once, then the instance's own (the proxy
columns of a join) that the classes lack. The merge is made again when a class of the
hierarchy gains or loses a name (``copy`` adds ``__slotnames__`` to a class on first use),
which the sizes of their dictionaries tell. Piccolo's behaviour is unchanged: the same
answer, sooner.
"""

from typing import Any

from piccolo.columns import ForeignKey

_CLASS_NAMES: dict[type, tuple[tuple[int, ...], list[str], frozenset[str]]] = {}


def names_of(column: Any) -> list[str]:
    """The names ``object.__dir__(column)`` returns (`dir` sorts them)."""
    cls = type(column)
    sizes = tuple(len(vars(klass)) for klass in cls.__mro__)
    known = _CLASS_NAMES.get(cls)
    if known is None or known[0] != sizes:
        names = frozenset(name for klass in cls.__mro__ for name in vars(klass))
        known = _CLASS_NAMES[cls] = (sizes, sorted(names), names)
    _, ordered, names = known
    # Sorted first: ``dir`` sorts the whole list again, and a sorted run costs it one pass.
    return [*ordered, *(name for name in vars(column) if name not in names)]


def install() -> None:
    """Once, at import of `practice.platform.db` (before any query is built)."""
    ForeignKey.__dir__ = names_of  # type: ignore[assignment,method-assign]
