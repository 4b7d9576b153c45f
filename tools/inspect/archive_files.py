"""The archive files on the flash against the ARCHIVE records that sign them (SPEC §1, §4).

Each ARCHIVE record names a file of ``/fiscal/archives/`` and signs its
SHA-256. For every ARCHIVE whose signature holds:

- the file must exist and be readable (else: "fichier d'archive absent");
- its SHA-256 must be the one signed (else it was altered or replaced);
- then its content is compared with the journal (``archive_content``): the
  zip's ``records.csv`` must list exactly the records ``from_seq`` …
  ``to_seq``, as stored and signed.

An ARCHIVE that cannot be trusted is reported on its own and its file is
not checked. A file that no ARCHIVE names is a warning, not a finding: a
power cut between writing the file and sealing its record leaves one (the
terminal then makes the archive again), as does a ``.new`` file that was
never renamed. When the image's archives were not read (a copy of the
journal alone), nothing is said of the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256

from tools.inspect.archive_content import RowCheck, content_problems, journal_rows
from tools.inspect.chains import Entry
from tools.inspect.image import ArchiveFile
from tools.inspect.model import ARCHIVE_DIR, ArchiveBody, Record

# What became of an ARCHIVE's file (JSON values; French in the text report).
FILE_OK = "ok"
FILE_ABSENT = "absent"
FILE_UNREADABLE = "unreadable"
FILE_ALTERED = "altered"
FILE_CONTENT = "content_differs"  # intact file, but its records differ from the journal
FILE_UNCHECKED = "unchecked"  # the ARCHIVE record cannot be trusted
FILE_NOT_READ = "not_read"  # the archives of the image were not read


@dataclass(frozen=True, slots=True)
class ArchiveStatus:
    """An ARCHIVE record and what was found of its file (``FILE_*``)."""

    record: Record
    body: ArchiveBody
    file: str
    size: int | None = None


def check_archive_files(
    entries: list[Entry], files: tuple[ArchiveFile, ...] | None, rows: RowCheck | None = None
) -> tuple[list[ArchiveStatus], list[str]]:
    """Check each ARCHIVE's file, adding problems to its entry; return statuses and warnings.

    ``rows`` tells whether a row of a file differs from the journal; by default
    ``entries`` are the whole journal and are compared with the rows.
    """
    by_name = {f.name: f for f in files or ()}
    differs = journal_rows(entries) if rows is None else rows
    statuses: list[ArchiveStatus] = []
    warnings: list[str] = []
    named: set[str] = set()
    for e in entries:
        record = e.record
        if record is None or not isinstance(record.body, ArchiveBody):
            continue
        body = record.body
        named.add(body.file_name)
        if files is None:
            statuses.append(ArchiveStatus(record, body, FILE_NOT_READ))
        elif not e.trusted:
            statuses.append(ArchiveStatus(record, body, FILE_UNCHECKED))
        else:
            status, notes = _check_file(e, record, body, by_name.get(body.file_name), differs)
            statuses.append(status)
            warnings += notes
    for f in files or ():
        if f.name not in named:
            what = "entrée illisible" if f.data is None else "fichier"
            warnings.append(
                f"{ARCHIVE_DIR}/{f.name} : {what} qu'aucun enregistrement ARCHIVE ne nomme"
            )
    return statuses, warnings


def _check_file(
    e: Entry,
    record: Record,
    body: ArchiveBody,
    file: ArchiveFile | None,
    differs: RowCheck,
) -> tuple[ArchiveStatus, list[str]]:
    path = f"{ARCHIVE_DIR}/{body.file_name}"
    if file is None:
        e.problems.append(f"fichier d'archive absent ({path})")
        return ArchiveStatus(record, body, FILE_ABSENT), []
    if file.data is None:
        e.problems.append(f"fichier d'archive illisible ({path})")
        return ArchiveStatus(record, body, FILE_UNREADABLE), []
    size = len(file.data)
    found = sha256(file.data).digest()
    if found != body.file_digest:
        e.problems.append(
            f"fichier d'archive {path} altéré : SHA-256 {found.hex()[:16]}… "
            f"au lieu de {body.file_digest.hex()[:16]}… (signé)"
        )
        return ArchiveStatus(record, body, FILE_ALTERED, size), []
    name = file.name
    problems, warnings = content_problems(file.data, body, lambda seq, row: differs(name, seq, row))
    e.problems += [f"archive {body.file_name} : {p}" for p in problems]
    warnings = [f"{path} : {w}" for w in warnings]
    return ArchiveStatus(record, body, FILE_CONTENT if problems else FILE_OK, size), warnings
