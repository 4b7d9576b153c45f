"""The content of an archive file against the journal (docs/ARCHIVE.md, ``records.csv``).

An archive is a zip of CSV files; its ``records.csv`` holds one row per
record archived: ``seq``, the exact data signed (``donnees_signees``), the
signature (base64url) and the record as stored (``enregistrement_cbor_hex``).
Its digest being signed proves the terminal made the file, not that the
file holds the period: this module checks that the rows are exactly the
records ``from_seq`` … ``to_seq`` of the ARCHIVE, each with the bytes and
signature of the journal and the data to sign the inspector rebuilds.

A journal record that cannot be trusted (reported on its own) is not
compared. A file that is not a readable zip holding ``records.csv`` (UTF-8,
``;``-separated, docs/ARCHIVE.md) gives a warning only: its format is the
firmware's (docs/ARCHIVE.md), while the specification (docs/SPEC.md) only
signs its bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter

from tools.inspect.chains import Entry
from tools.inspect.model import ArchiveBody
from tools.inspect.tosign import LayoutError, b64url, data_to_sign

RECORDS_FILE = "records.csv"
MAX_CSV_BYTES = 64 * 1024 * 1024  # an archive of the whole 4 MiB journal stays far below
COLUMNS = ("seq", "donnees_signees", "signature", "enregistrement_cbor_hex")
MAX_LISTED = 5


def content_problems(
    data: bytes, body: ArchiveBody, by_seq: dict[int, Entry]
) -> tuple[list[str], list[str]]:
    """Return (problems, warnings) of the archive file ``data`` against the journal."""
    try:
        rows = _rows(data)
    except ValueError as exc:
        return [], [f"contenu non contrôlé ({exc})"]
    seqs = Counter(seq for seq, _ in rows)
    expected = range(body.from_seq, body.to_seq + 1)
    span = f"n°{body.from_seq} à n°{body.to_seq}"
    differ = {seq for seq, row in rows if seq in expected and _differs(row, by_seq.get(seq))}
    found = (
        ([seq for seq in expected if seq not in seqs], "absent(s)"),
        (sorted(seq for seq in seqs if seq not in expected), f"hors des archivés ({span})"),
        (sorted(seq for seq, count in seqs.items() if count > 1), "en double"),
        (sorted(differ), "différent(s) du journal"),
    )
    problems = [f"{RECORDS_FILE} : {_listed(listed)} {what}" for listed, what in found if listed]
    return problems, []


def has_records(data: bytes) -> bool:
    """True when ``data`` is a zip whose ``records.csv`` can be read (its content is compared)."""
    try:
        _rows(data)
    except ValueError:
        return False
    return True


def _rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Return the rows of ``records.csv`` by seq; raise ValueError (in French) if unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(RECORDS_FILE)
            if info.file_size > MAX_CSV_BYTES:
                raise ValueError(f"{RECORDS_FILE} de {info.file_size} octets")
            text = archive.read(info).decode("utf-8")
    except KeyError:
        raise ValueError(f"{RECORDS_FILE} absent du zip") from None
    except UnicodeDecodeError:
        raise ValueError(f"{RECORDS_FILE} n'est pas en UTF-8") from None
    except ValueError:
        raise
    except Exception as exc:  # zipfile raises many types on a damaged or foreign file
        raise ValueError(f"pas une archive zip lisible : {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    absent = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if absent:
        raise ValueError(f"colonne(s) {', '.join(absent)} absente(s) de {RECORDS_FILE}")
    rows = []
    try:
        for row in reader:
            rows.append((int(row["seq"]), row))
    except (ValueError, TypeError, csv.Error):
        raise ValueError(f"{RECORDS_FILE} illisible ligne {reader.line_num}") from None
    return rows


def _differs(row: dict[str, str], e: Entry | None) -> bool:
    """Return True if ``row`` is not the trusted journal record ``e`` (False if not trusted)."""
    if e is None or not e.trusted or e.record is None:
        return False
    record = e.record
    if row["enregistrement_cbor_hex"] != record.raw.hex():
        return True
    if row["signature"] != b64url(record.signature):
        return True
    previous = e.link.header.signature if e.link is not None else None
    try:
        signed = data_to_sign(record, previous).decode("utf-8")
    except LayoutError:
        return False
    return row["donnees_signees"] != signed


def _listed(seqs: list[int]) -> str:
    shown = ", ".join(f"n°{seq}" for seq in seqs[:MAX_LISTED])
    return shown + (f" … ({len(seqs)} en tout)" if len(seqs) > MAX_LISTED else "")
