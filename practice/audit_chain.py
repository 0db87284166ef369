"""The audit hash chain (AUD-4): a canonical form of an audit row and its link hash (pure).

Each row's ``row_hash`` is sha256 over a canonical serialisation of its fields and the
``prev_hash`` it points at (the ``row_hash`` of the row before it; ``GENESIS`` for the
first). Changing a field breaks that row's hash; deleting or reordering rows breaks the link
of the row after. The row id is not hashed: the order along the id is what the links check.

The format is versioned ("v1") and must never change for rows already written: a new format
needs a new version tag, and the verifier must keep accepting the old one.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
FORMAT = "v1"
# The hashed fields, in order. ``id``, ``prev_hash`` and ``row_hash`` are not among them.
FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "client_id",
    "purpose",
    "source",
    "channel",
    "outcome",
)


def _instant(value: Any) -> str:
    """A moment as UTC with microseconds: the same text on SQLite and PostgreSQL."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise TypeError(f"occurred_at: expected a datetime, got {type(value).__name__}")
    if moment.tzinfo is None:  # stored as UTC without an offset
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row: Mapping[str, Any], prev_hash: str) -> bytes:
    values: list[Any] = [FORMAT]
    for name in FIELDS:
        value = row.get(name)
        if name == "occurred_at":
            value = _instant(value)
        elif name in {"actor_id", "client_id"} and value is not None:
            value = int(value)
        values.append(value)
    values.append(prev_hash)
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True).encode()


def link_hash(row: Mapping[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical(row, prev_hash)).hexdigest()
