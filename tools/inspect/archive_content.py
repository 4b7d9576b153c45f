"""The content of an archive file against the journal (docs/ARCHIVE.md, ``records.csv``).

An archive is a zip of CSV files; its ``records.csv`` holds one row per
record archived: ``seq``, the exact data signed (``donnees_signees``), the
signature (base64url) and the record as stored (``enregistrement_cbor_hex``).
Its digest being signed proves the terminal made the file, not that the
file holds the period: this module checks that the rows are exactly the
records ``from_seq`` … ``to_seq`` of the ARCHIVE, each with the bytes and
signature of the journal and the data to sign the inspector rebuilds.

A journal record that cannot be trusted (reported on its own) is not
compared. Whether a row differs from the journal is asked of a ``RowCheck``:
``journal_rows`` answers from the journal's entries held in memory; when the
journal is verified as it is read, ``archive_rows.ArchiveRows`` answers from
the digests (``row_digest``) of what each row holds, compared as the records
pass. A file that is not a readable zip holding ``records.csv`` (UTF-8,
``;``-separated, docs/ARCHIVE.md) gives a warning only: its format is the
firmware's (docs/ARCHIVE.md), while the specification (docs/SPEC.md) only
signs its bytes.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from hashlib import sha256

from tools.inspect.chains import Entry
from tools.inspect.model import ArchiveBody, Record
from tools.inspect.tosign import LayoutError, b64url, data_to_sign

RECORDS_FILE = "records.csv"
MAX_CSV_BYTES = 64 * 1024 * 1024  # an archive of the whole 4 MiB journal stays far below
COLUMNS = ("seq", "donnees_signees", "signature", "enregistrement_cbor_hex")
MAX_LISTED = 5
DIGEST_BYTES = 16
CHUNK_BYTES = 1 << 20

# Whether the row of an archive file (its name, the row's seq, the row) differs from the journal
RowCheck = Callable[[str, int, dict[str, str]], bool]


def content_problems(
    data: bytes, body: ArchiveBody, differs: Callable[[int, dict[str, str]], bool]
) -> tuple[list[str], list[str]]:
    """Return (problems, warnings) of the archive file ``data`` against the journal.

    ``differs(seq, row)`` tells whether a row differs from the journal record it names.
    """
    expected = range(body.from_seq, body.to_seq + 1)
    seqs: Counter[int] = Counter()
    differ = set()
    try:
        for seq, row in read_rows(data):
            seqs[seq] += 1
            if seq in expected and differs(seq, row):
                differ.add(seq)
    except ValueError as exc:
        return [], [f"contenu non contrôlé ({exc})"]
    span = f"n°{body.from_seq} à n°{body.to_seq}"
    found = (
        ([seq for seq in expected if seq not in seqs], "absent(s)"),
        (sorted(seq for seq in seqs if seq not in expected), f"hors des archivés ({span})"),
        (sorted(seq for seq, count in seqs.items() if count > 1), "en double"),
        (sorted(differ), "différent(s) du journal"),
    )
    problems = [f"{RECORDS_FILE} : {_listed(listed)} {what}" for listed, what in found if listed]
    return problems, []


def journal_rows(entries: list[Entry]) -> RowCheck:
    """Return the RowCheck of the journal ``entries`` (every record in memory)."""
    by_seq: dict[int, Entry] = {}
    for e in entries:
        if e.record is not None and e.header.seq is not None:
            by_seq.setdefault(e.header.seq, e)
    return lambda name, seq, row: _differs(row, by_seq.get(seq))


def row_digest(cbor_hex: bytes, signature: bytes, signed: bytes) -> bytes:
    """Return a digest of the three compared columns of a row (UTF-8), equal iff they are."""
    digest = sha256()
    for part in (cbor_hex, signature, signed):
        digest.update(len(part).to_bytes(4, "big"))
        digest.update(part)
    return digest.digest()[:DIGEST_BYTES]


def record_digest(record: Record, signed: bytes) -> bytes:
    """Return the ``row_digest`` of the row that ``record`` must have, ``signed`` its data."""
    return stored_record_digest(record.raw, record.signature, signed)


def stored_record_digest(raw: bytes, signature: bytes, signed: bytes) -> bytes:
    """Return ``record_digest`` of a record stored as ``raw`` with its ``signature``."""
    return row_digest(raw.hex().encode(), b64url(signature).encode(), signed)


def stored_digest(row: dict[str, str]) -> bytes:
    """Return the ``row_digest`` of what the row holds."""
    return row_digest(
        row["enregistrement_cbor_hex"].encode(),
        row["signature"].encode(),
        row["donnees_signees"].encode(),
    )


def read_rows(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield the rows of ``records.csv`` by seq; raise ValueError (in French) if unreadable.

    The rows are read as they are taken, so that a large archive is never
    held whole as text; whether all of it is UTF-8 is known before the first.
    """
    with _records(data) as (archive, info), archive.open(info) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        reader = csv.DictReader(text, delimiter=";")
        absent = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if absent:
            raise ValueError(f"colonne(s) {', '.join(absent)} absente(s) de {RECORDS_FILE}")
        try:
            for row in reader:
                yield int(row["seq"]), row
        except (ValueError, TypeError, csv.Error):
            raise ValueError(f"{RECORDS_FILE} illisible ligne {reader.line_num}") from None


@contextmanager
def _records(data: bytes) -> Iterator[tuple[zipfile.ZipFile, zipfile.ZipInfo]]:
    """Yield the zip and its ``records.csv`` checked whole (size, zip, UTF-8); or ValueError."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        info = archive.getinfo(RECORDS_FILE)
        if info.file_size > MAX_CSV_BYTES:
            raise ValueError(f"{RECORDS_FILE} de {info.file_size} octets")
        utf8 = codecs.getincrementaldecoder("utf-8")()
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                utf8.decode(chunk)
        utf8.decode(b"", final=True)
    except KeyError:
        raise ValueError(f"{RECORDS_FILE} absent du zip") from None
    except UnicodeDecodeError:
        raise ValueError(f"{RECORDS_FILE} n'est pas en UTF-8") from None
    except ValueError:
        raise
    except Exception as exc:  # zipfile raises many types on a damaged or foreign file
        raise ValueError(f"pas une archive zip lisible : {exc}") from None
    with archive:
        yield archive, info


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
