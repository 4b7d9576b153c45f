"""The inspector's parts: spec vectors, strict decoding, framing, ordering, rules, segments."""

from __future__ import annotations

import ast
import json
import struct
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.records import Line, Payment
from tests.inspect.journals import (
    SEED,
    T0,
    remove_file,
    rewrite_segment,
    write_custom,
    write_journal,
)
from tools.inspect.decode import DecodeError, decode_record, loads_canonical
from tools.inspect.frames import BadFrame, Frame, split_frames
from tools.inspect.image import read_image
from tools.inspect.order import check_continuity
from tools.inspect.signatures import SignatureJob, verify_all
from tools.inspect.tosign import data_to_sign
from tools.inspect.verify import verify

ROOT = Path(__file__).parent.parent.parent
VECTORS = ROOT / "tests" / "vectors"


# -- the spec's vectors, read by the inspector's own decoder --------------------------


@pytest.mark.parametrize("name, previous", [("jet", "jet_first"), ("ticket", "ticket_first")])
def test_vectors_rebuilt_independently(name: str, previous: str) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    first = json.loads((VECTORS / f"{previous}.json").read_text())
    chained = json.loads((VECTORS / f"{name}_chained.json").read_text())
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(first["public_key_hex"]))
    head = decode_record(bytes.fromhex(first["record_cbor_hex"]))
    record = decode_record(bytes.fromhex(chained["record_cbor_hex"]))
    assert data_to_sign(head, None) == first["data_to_sign"].encode()
    assert data_to_sign(record, head.signature) == chained["data_to_sign"].encode()
    key.verify(record.signature, data_to_sign(record, head.signature))


# -- strict decoding -------------------------------------------------------------------


def vector_record() -> bytes:
    return bytes.fromhex(json.loads((VECTORS / "ticket_first.json").read_text())["record_cbor_hex"])


@pytest.mark.parametrize(
    "data, problem",
    [
        (vector_record() + b"\x00", "non canonique"),
        (b"\x8a\x18\x01" + vector_record()[2:], "non canonique"),  # version 1 on 2 bytes
        (b"\x9f\x01\xff", "CBOR illisible"),  # indefinite length
        (b"\x81\xf9\x3c\x00", "float"),
        (b"\x81\xf5", "booléen"),
        (b"\x81\xc2\x49\x01" + bytes(8), "bignum"),
        (b"\x81\xc1\x01", "datetime"),
        (b"\xa1\x01\x02", "dict"),
    ],
    ids=["trailing", "long-int", "indefinite", "float", "bool", "bignum", "tag", "map"],
)
def test_non_canonical_or_foreign_cbor_is_rejected(data: bytes, problem: str) -> None:
    with pytest.raises(DecodeError, match=problem):
        loads_canonical(data)


def test_field_types_are_checked() -> None:
    raw = bytearray(vector_record())
    raw[3] = 0x20  # seq = -1
    with pytest.raises(DecodeError, match="seq") as error:
        decode_record(bytes(raw))
    assert error.value.header is not None and error.value.header.number == 1


# -- framing ---------------------------------------------------------------------------


def frame(record: bytes) -> bytes:
    head = struct.pack(">H", len(record))
    return head + record + struct.pack(">I", zlib.crc32(head + record))


def test_frames_resume_after_damage() -> None:
    records = [b"\x8a" + bytes([i]) * 20 for i in range(4)]
    frames = [frame(r) for r in records]
    damaged = bytearray(frames[1])
    damaged[0] ^= 0x40  # length now runs past the end: resynchronise on the next record
    data = frames[0] + bytes(damaged) + b"junk" + frames[2] + frames[3] + frames[3][:5]
    items = split_frames("00000001.log", data)
    assert [type(i) for i in items] == [Frame, BadFrame, Frame, Frame, BadFrame]
    assert [i.record for i in items if isinstance(i, Frame)] == [records[0], *records[2:]]
    assert items[1].offset == len(frames[0])
    assert "tronquée" in items[4].problem  # type: ignore[union-attr]


# -- ordering --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numbers, named",
    [
        ([1, 2, 3, 4], []),
        ([1, 2, 4, 5], [2]),  # removal: the record after the gap
        ([1, 3, 2, 4], [1, 2]),  # adjacent swap: both
        ([1, 2, 9, 4, 5, 6, 7, 8, 3, 10], [2, 8]),  # far swap: both, no cascade
        ([1, 2, 3, 2, 4], [3]),  # replayed copy
        ([2, 3, 4], [0]),  # first record removed
        ([1, None, 3], [1]),  # unreadable record: the likely number, no gap on 3
        ([1, 2, 2**64 - 1, 3, 4, 5], [2]),  # absurd number: no enumeration of the gap
    ],
)
def test_continuity_names_only_displaced_records(
    numbers: list[int | None], named: list[int]
) -> None:
    problems = check_continuity(numbers, "la séquence du journal")
    assert sorted({p.index for p in problems}) == named


# -- signatures over threads -----------------------------------------------------------


def test_parallel_verification_matches_serial() -> None:
    private = Ed25519PrivateKey.from_private_bytes(SEED)
    jobs = [SignatureJob(b"m%d" % i, private.sign(b"m%d" % (i - i % 7))) for i in range(300)]
    serial = verify_all(private.public_key(), jobs, workers=1)
    assert serial == [i % 7 == 0 for i in range(300)]
    assert verify_all(private.public_key(), jobs, workers=2) == serial


# -- business rules: a terminal that signs wrong numbers is caught -----------------------


def test_signed_but_wrong_totals_and_foreign_terminal(tmp_path: Path) -> None:
    signer = Ed25519Signer(SEED)
    ledger = Ledger("DEMO-0001", signer)
    image = tmp_path / "flash.img"

    def seal(i: int) -> Sealed | None:
        if i == 3:
            return None
        if i == 1:
            ledger.state.gt_real += 100  # a firmware bug: the perpetual total drifts
        if i == 2:
            ledger.terminal_id = "AUTRE-0002"
        lines = [Line("P1", "Café", 1, 250, 1000)]
        return ledger.seal_ticket(
            time_utc=T0 + i,
            utc_offset=60,
            operator_id=1,
            lines=lines,
            payments=[Payment(codes.PAY_CARD, 250)],
        )

    write_custom(image, ledger, Identity("DEMO-0001", signer.public_key).encode(), seal)
    report = verify(read_image(image.read_bytes()))
    assert [(f.seq, f.problems) for f in report.findings] == [
        (2, ("grand total perpétuel réel 6,00 € au lieu de 5,00 €",)),
        (3, ("terminal « AUTRE-0002 » au lieu de « DEMO-0001 »",)),
    ]


# -- segments --------------------------------------------------------------------------


def test_journal_over_two_segments(tmp_path: Path) -> None:
    image = tmp_path / "flash.img"
    written = write_journal(image, tickets=150)
    pristine = image.read_bytes()
    contents = read_image(pristine)
    assert [s.name for s in contents.segments] == ["00000001.log", "00000002.log"]
    assert verify(contents, workers=2).intact
    last_of_first = verify(read_image(remove_file(pristine, "/fiscal/journal/00000001.log")))
    assert [f.segment for f in last_of_first.findings][:1] == ["00000002.log"]
    assert "segment(s) absent(s)" in last_of_first.findings[0].problem
    removed = verify(read_image(rewrite_segment(pristine, lambda f: f[:10] + f[11:])))
    kind = written.records[10][1]
    next_same = next(r for r in written.records[11:] if r[1] == kind)
    assert {f.seq for f in removed.findings} == {None, written.records[11][0], next_same[0]}
    assert any("clos avant 32768 octets" in f.problem for f in removed.findings)


# -- independence ----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "tools" / "inspect").glob("*.py")), ids=str)
def test_inspector_is_independent_of_the_terminal_code(path: Path) -> None:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"fiscal_core", "firmware", "hal", "simulator", "nacl"}
