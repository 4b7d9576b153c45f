"""The rows of an archive's records.csv, read one at a time, and compared by digest."""

from __future__ import annotations

import io
import zipfile

import pytest

from tools.inspect.archive_content import (
    COLUMNS,
    content_problems,
    read_rows,
    record_digest,
    stored_digest,
)
from tools.inspect.archive_rows import ArchiveRows
from tools.inspect.decode import decode_record
from tools.inspect.image import ArchiveFile, read_image
from tools.inspect.model import ArchiveBody
from tools.inspect.tosign import b64url

HEADER = ";".join(COLUMNS)


def zipped(text: bytes, name: str = "records.csv") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text)
    return out.getvalue()


def row(seq: int, signed: str = "A,B", signature: str = "c2ln", cbor: str = "8a01") -> str:
    return f"{seq};{signed};{signature};{cbor}"


def test_rows_are_read_one_at_a_time_with_their_seq() -> None:
    text = "\r\n".join([HEADER, row(1), row(2, signed="a\\,b"), row(2), ""]).encode()
    rows = read_rows(zipped(text))
    assert next(rows) == (1, dict(zip(COLUMNS, ["1", "A,B", "c2ln", "8a01"], strict=True)))
    assert [seq for seq, _ in rows] == [2, 2]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"not a zip", "pas une archive zip lisible"),
        (zipped(HEADER.encode(), name="other.csv"), "records.csv absent du zip"),
        (
            zipped(f"{HEADER}\r\nx;1;2;3\r\n".encode() + b"\xff"),
            "records.csv n'est pas en UTF-8",  # known before any row, as the whole file is read
        ),
        (zipped(b"seq;signature\r\n1;2\r\n"), "colonne(s) donnees_signees, enregistrement_cbor"),
        (zipped(f"{HEADER}\r\n{row(1)}\r\nx;1;2;3\r\n".encode()), "records.csv illisible ligne 3"),
    ],
    ids=["not-zip", "no-records", "not-utf8", "columns", "bad-line"],
)
def test_an_unreadable_records_file_is_a_warning_and_nothing_else(
    data: bytes, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        list(read_rows(data))
    body = ArchiveBody("PERIODE", 5, 1, 1, 2, (), 0, "a.zip", b"")
    problems, warnings = content_problems(data, body, lambda seq, row: True)
    assert problems == [] and len(warnings) == 1 and problem in warnings[0]
    rows = ArchiveRows((ArchiveFile("a.zip", data),))
    assert rows.waiting == {} and rows.names == []


def test_the_digest_of_a_row_is_that_of_its_record_and_of_nothing_else(pristine: bytes) -> None:
    contents = read_image(pristine)
    assert contents.archives is not None
    data = contents.archives[0].data or b""
    _, first = next(read_rows(data))
    stored = stored_digest(first)
    signed = first["donnees_signees"].encode()
    raw = bytes.fromhex(first["enregistrement_cbor_hex"])
    assert first["signature"] == b64url(raw[-64:])
    record = decode_record(raw)
    assert record_digest(record, signed) == stored
    assert record_digest(record, signed + b"0") != stored
    for column in COLUMNS[1:]:
        changed = dict(first, **{column: first[column] + "0"})
        assert stored_digest(changed) != stored


def test_rows_wait_for_their_record_then_leave_only_the_differences() -> None:
    one = zipped("\r\n".join([HEADER, row(1), row(2), row(2, signed="X"), ""]).encode())
    two = zipped("\r\n".join([HEADER, row(2), row(3), ""]).encode())
    rows = ArchiveRows((ArchiveFile("one.zip", one), ArchiveFile("two.zip", two)))
    assert rows.names == ["one.zip", "two.zip"] and sorted(rows.waiting) == [1, 2, 3]
    digest = stored_digest(dict(zip(COLUMNS, row(2).split(";"), strict=True)))
    rows.see(2, digest)  # one.zip has a second row of seq 2 that differs; two.zip's is equal
    rows.see(1, None)  # an untrusted record: its rows are not compared
    assert rows.wanted(3) and not rows.wanted(2) and not rows.wanted(1)
    assert rows.different == {"one.zip": {2}}
    assert rows.differs("one.zip", 2, {}) and not rows.differs("two.zip", 2, {})
