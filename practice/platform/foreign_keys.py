"""Whether a Piccolo foreign key has a name, answered without ``dir()`` (issue 21, P-1).

Piccolo's ``ForeignKey.__getattribute__`` asks ``name not in dir(self)`` on every access to
a public attribute of a foreign-key column (to resolve lazy table references), and the
query builder reads such attributes a hundred times for a page's joins and ``IN`` lists.
Python's own ``dir`` merges the dictionaries of the whole class hierarchy into a list and
sorts ~80 names each time, only for the ``in`` to walk that list: on the caseload that was
a tenth of the page's time on SQLite.

`install` gives Piccolo's module a ``dir`` of its own (the method's only use of it, looked
up in the module's globals before the builtins): for a foreign key it returns `Names`, which
answers ``in`` as ``object.__dir__`` would list it, from the names of the class and its
bases, gathered once into a set, and the instance's own (the proxy columns of a join). The
set is gathered again when a class of the hierarchy gains or loses a name (``copy`` adds
``__slotnames__`` to a class on first use), which the sizes of their dictionaries tell.
Anything else gets the builtin ``dir``. Piccolo's behaviour is unchanged: the same answer,
sooner.
"""

import builtins
from typing import Any

from piccolo.columns import ForeignKey, column_types

_CLASS_NAMES: dict[type, tuple[tuple[int, ...], frozenset[str]]] = {}


def _class_names(cls: type) -> frozenset[str]:
    sizes = tuple(len(vars(klass)) for klass in cls.__mro__)
    known = _CLASS_NAMES.get(cls)
    if known is None or known[0] != sizes:
        known = _CLASS_NAMES[cls] = (
            sizes,
            frozenset(name for klass in cls.__mro__ for name in vars(klass)),
        )
    return known[1]


class Names:
    """The names ``object.__dir__(column)`` lists, for ``in`` only."""

    __slots__ = ("column",)

    def __init__(self, column: Any) -> None:
        self.column = column

    def __contains__(self, name: object) -> bool:
        column = self.column
        return name in _class_names(type(column)) or name in object.__getattribute__(
            column, "__dict__"
        )


def names_of(value: Any) -> Any:
    """``dir(value)`` as Piccolo's column module sees it after `install`."""
    if isinstance(value, ForeignKey):
        return Names(value)
    return builtins.dir(value)


def install() -> None:
    """Once, at import of `practice.platform.db` (before any query is built)."""
    column_types.dir = names_of  # type: ignore[attr-defined]
