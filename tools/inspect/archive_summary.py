"""The archives in the verification report: ARCHIVE records, files, the year awaiting one.

``archives_summary`` is the JSON object (``archives`` in ``--json``);
``archive_lines`` its French text for the summary::

    Archives : 1 (PERIODE 1, EXERCICE 0) ; fichiers dans /fiscal/archives : 1
      ARCHIVE n°1 (enregistrement n°25) : GT_PERIODE n°1, enregistrements n°1 à n°24,
      total réel 24,00 €, fichier GT_PERIODE-000001-2025-11-25.zip (19 476 octets) : conforme
"""

from __future__ import annotations

from hashlib import sha256
from typing import Any

from tools.inspect.archive_files import (
    FILE_ABSENT,
    FILE_ALTERED,
    FILE_CONTENT,
    FILE_NOT_READ,
    FILE_OK,
    FILE_UNCHECKED,
    FILE_UNREADABLE,
)
from tools.inspect.formats import euros
from tools.inspect.model import (
    ARCHIVE_DIR,
    ARCHIVE_PERIOD,
    ARCHIVE_YEAR,
    doc_name,
)
from tools.inspect.verify import Report

FILE_TEXT = {
    FILE_OK: "conforme",
    FILE_ABSENT: "absent",
    FILE_UNREADABLE: "illisible",
    FILE_ALTERED: "altéré",
    FILE_CONTENT: "contenu différent du journal",
    FILE_UNCHECKED: "non vérifié (enregistrement ARCHIVE non fiable)",
    FILE_NOT_READ: "non lu (copie sans les archives)",
}


def archives_summary(report: Report) -> dict[str, Any]:
    """Return the archives: each ARCHIVE and its file, the files, the year not archived."""
    records = [
        {
            "seq": status.record.seq,
            "number": status.record.number,
            "kind": status.body.kind,
            "closure": {
                "doc_type": doc_name(status.body.closure_type),
                "number": status.body.closure_number,
            },
            "from_seq": status.body.from_seq,
            "to_seq": status.body.to_seq,
            "total_real": status.body.total,
            "file": status.body.file_name,
            "sha256": status.body.file_digest.hex(),
            "size": status.size,
            "file_status": status.file,
        }
        for status in report.archives
    ]
    named = {status.body.file_name for status in report.archives}
    files = [
        {
            "name": f.name,
            "size": None if f.data is None else len(f.data),
            "sha256": None if f.data is None else sha256(f.data).hexdigest(),
            "named": f.name in named,
        }
        for f in report.contents.archives or ()
    ]
    contents = report.contents
    return {
        "directory": f"{contents.source}/archives" if contents.is_copy else ARCHIVE_DIR,
        "records": records,
        "files": files if contents.archives is not None else None,
        "year_not_archived": _year_not_archived(report),
    }


def _year_not_archived(report: Report) -> dict[str, Any] | None:
    """Return the last fiscal-year closure if no ARCHIVE follows it, else None."""
    return report.summary.year_not_archived()


def archive_lines(summary: dict[str, Any]) -> list[str]:
    """Return the French summary lines of ``archives_summary``'s object."""
    records = summary["records"]
    kinds = ", ".join(
        f"{kind} {sum(1 for r in records if r['kind'] == kind)}"
        for kind in (ARCHIVE_PERIOD, ARCHIVE_YEAR)
    )
    files = summary["files"]
    stored = "non lus" if files is None else str(len(files))
    directory = summary.get("directory", ARCHIVE_DIR)
    lines = [f"Archives : {len(records)} ({kinds}) ; fichiers dans {directory} : {stored}"]
    for r in records:
        closure = r["closure"]
        size = "" if r["size"] is None else f" ({r['size']:,} octets)".replace(",", " ")
        lines.append(
            f"  ARCHIVE n°{r['number']} (enregistrement n°{r['seq']}) : "
            f"{closure['doc_type']} n°{closure['number']}, "
            f"enregistrements n°{r['from_seq']} à n°{r['to_seq']}, "
            f"total réel {euros(r['total_real'])}, fichier {r['file']}{size} : "
            f"{FILE_TEXT.get(r['file_status'], r['file_status'])}"
        )
    due = summary["year_not_archived"]
    if due is not None:
        lines.append(
            f"Exercice clos non archivé : « {due['period']} » (GT_EXERCICE n°{due['number']}, "
            f"enregistrement n°{due['seq']}) ; aucune période ne peut s'ouvrir avant son archive"
        )
    return lines
