"""Everything held about one client, for the client (GDPR art. 15, Wabvpz; DATA-2).

A ZIP with one JSON file per table (the client's rows, medical columns included: the
client may see their own record), every stored document as a PDF, and the client's access
log (who saw what, when, why). The tables are those ``practice.client_data`` lists: the same
registry the erasure destroys, so the two cannot drift apart.
"""

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from practice import client_data
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import NotFound
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.platform.i18n import gettext as _
from practice.platform.settings import Settings
from practice.tables import AuditEvent, Client
from reporting.services.documents import render_pending_documents
from reporting.tables import Document


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None  # documents go in as PDF files
    return value


def _rows(rows: list[dict[str, Any]]) -> str:
    return json.dumps(
        [{k: _plain(v) for k, v in row.items()} for row in rows], ensure_ascii=False, indent=2
    )


# Never exported: credentials of the client's own account (practice.tables.User,
# ClientAccount) and of the links sent to them.
CREDENTIALS = frozenset(
    {"password_hash", "totp_secret", "token_hash", "code_hash", "review_token_hash"}
)
# Left out of the client's own download (the portal): what the therapist marked internal,
# their personal working notes (the internal part of meeting minutes), which the WGBO keeps
# out of the record the client may see.
INTERNAL = frozenset({"internal_text"})


def _without(rows: list[dict[str, Any]], columns: frozenset[str]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in columns} for row in rows]


README_NAME = N_("README.txt")


def readme(files: dict[str, str], documents: int, *, for_client: bool) -> str:
    """What is in the download, in the reader's language: the documents to read, and the
    records as the practice keeps them (JSON, the format the law asks for to take them
    elsewhere), with how many of each there are."""
    counts = {name: len(json.loads(content)) for name, content in files.items()}
    lines = [
        _("Everything the practice holds about you."),
        "",
        _("documents/: the documents written about you, as PDF files (%(n)s).") % {"n": documents},
        _(
            "data/: your record as the practice keeps it, one file per kind of record, in JSON "
            "(a format other systems can read, so you can take it elsewhere). Dates are in "
            "ISO form (2026-12-07) and moments in UTC."
        ),
        _("data/access_log.json: who looked at or changed your record, when and why."),
    ]
    if for_client:
        lines.append(
            _(
                "Left out: your therapist's personal working notes, which are not part of the "
                "record."
            )
        )
    lines += ["", _("Files in data/ (number of records):")]
    lines += [f"  {name}: {n}" for name, n in sorted(counts.items()) if n]
    return "\n".join(lines) + "\n"


async def export_client(actor: Actor, client_id: int, *, for_client: bool = False) -> bytes:
    """The ZIP of everything about the client; the export itself is audited. ``for_client``:
    the client's own download from the portal, without what the therapist keeps internal."""
    # Documents of the past recorded before their PDF (the demo's) get it before the export.
    await render_pending_documents(Settings.from_env(), client_id)
    found = await client_data.load_client_rows(client_id)
    if not found.ids(Client):
        raise NotFound("No such client.")
    hidden = CREDENTIALS | INTERNAL if for_client else CREDENTIALS
    # One file per table that holds client rows: the registry the erasure destroys.
    files: dict[str, str] = {
        f"{table._meta.tablename}.json": _rows(
            _without(list(found.rows.get(table, {}).values()), hidden)
        )
        for table in client_data.tables()
    }
    files["access_log.json"] = _rows(
        await AuditEvent.select().where(AuditEvent.client_id == client_id).order_by(AuditEvent.id)
    )
    documents = list(found.rows.get(Document, {}).values())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_(README_NAME), readme(files, len(documents), for_client=for_client))
        for name, content in files.items():
            archive.writestr(f"data/{name}", content)
        for document in documents:
            archive.writestr(
                f"documents/{document['id']}-{document['kind']}-v{document['version']}.pdf",
                bytes(document["pdf"]),
            )
    async with write_tx():
        await audit.record(
            actor,
            Action.EXPORT,
            "client",
            client_id,
            purpose="data_subject_access",
            client_id=client_id,
        )
    return buffer.getvalue()
