"""The audit hash chain (AUD-4, AUD-8): a canonical form of an audit row and its link (pure).

Each row's ``row_hash`` is computed over a canonical serialisation of its fields and the
``prev_hash`` it points at (the ``row_hash`` of the row before it; ``GENESIS`` for the
first). Changing a field breaks that row's hash; deleting or reordering rows breaks the link
of the row after. The row id is not hashed: the order along the id is what the links check.

Nor is the row's ``chain`` (the table holds several chains, ``practice.audit.trail``): it
need not be, since moving a row to another chain breaks the link of the row after it in the
chain it left and its own link in the chain it joined, and leaving it out kept this format
(and every row written before there were several chains) as it was.

Two schemes, told apart by the text of ``row_hash`` itself, so no column and no migration
were needed and every row written before AUD-8 still verifies:

- keyed (``KEYED`` prefix ``"h1:"`` + base64url of an HMAC-SHA256 with ``AUDIT_KEY``, 46
  characters): what ``record`` writes now. The key is not in the database, so someone who
  can rewrite the table (a database superuser) cannot compute a valid link for a changed row;
- plain (64 hex digits of SHA-256, no prefix): rows written before AUD-8. Anyone can
  recompute them, so the verifier accepts them only *before* the first keyed row (a keyed
  row's HMAC covers its ``prev_hash``, which pins the plain rows before it) and refuses a
  chain without any keyed row.

base64url, not hex, because the columns are ``varchar(64)``: 3 + 43 characters fit, the
prefix plus 64 hex digits would not. The canonical format is versioned ("v1") and must never
change for rows already written: a new format needs a new version tag (and a new prefix),
and the verifier must keep accepting the old ones.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
FORMAT = "v1"
KEYED = "h1:"  # the scheme of a keyed link (HMAC-SHA256 with AUDIT_KEY, base64url)
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
    """The plain SHA-256 link of the rows written before AUD-8 (and of the migration that
    chained the rows before AUD-4). Only for verifying those: new rows use ``keyed_link``."""
    return hashlib.sha256(canonical(row, prev_hash)).hexdigest()


def keyed_link(row: Mapping[str, Any], prev_hash: str, key: bytes) -> str:
    """The link ``record`` writes: HMAC-SHA256 with the audit key over the same content."""
    digest = hmac.new(key, canonical(row, prev_hash), hashlib.sha256).digest()
    return KEYED + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def is_keyed(row_hash: str) -> bool:
    return row_hash.startswith(KEYED)


def link_matches(row: Mapping[str, Any], prev_hash: str, key: bytes) -> bool:
    """Whether ``row["row_hash"]`` is the link of ``row`` after ``prev_hash``, in its scheme.

    The comparison takes constant time: the verifier must not tell, by its timing, how much
    of a forged keyed link is right.
    """
    stored = str(row.get("row_hash") or "")
    expected = keyed_link(row, prev_hash, key) if is_keyed(stored) else link_hash(row, prev_hash)
    return hmac.compare_digest(stored.encode(), expected.encode())
