"""The inspector's parts: spec vectors, strict decoding, framing, ordering, rules, segments."""

from __future__ import annotations

import ast
import json
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tests.inspect.attack import remove_file, rewrite_segment
from tests.inspect.journals import SEED, write_journal
from tools.inspect.decode import DecodeError, decode_record, loads_canonical
from tools.inspect.frames import BadFrame, Frame, split_frames
from tools.inspect.image import read_image
from tools.inspect.model import DOC_GT_TICKET, DOC_NAMES, MAX_TIME_UTC, ClosureBody, TicketBody
from tools.inspect.order import check_continuity
from tools.inspect.periods import fiscal_year_of, last_day, month_index
from tools.inspect.signatures import SignatureJob, verify_all
from tools.inspect.tosign import (
    LayoutError,
    data_to_sign,
    grand_total_to_sign,
    ticket_to_sign,
    timestamp,
)
from tools.inspect.totals import Totals, differences
from tools.inspect.verify import verify

ROOT = Path(__file__).parent.parent.parent
VECTORS = ROOT / "tests" / "vectors"


# -- the spec's vectors, read by the inspector's own decoder --------------------------


def load_vectors() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(VECTORS.glob("*.json"))}


VECTOR_NAMES = sorted(load_vectors())


def test_vectors_cover_every_document_type() -> None:
    types = {v["doc_type"] for v in load_vectors().values()}
    assert types == set(DOC_NAMES) - {DOC_GT_TICKET}


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_vector_rebuilt_independently(name: str) -> None:
    """Each vector decodes strictly; its data to sign (and GT_TICKET's) is rebuilt byte for byte."""
    vectors = load_vectors()
    chains = {(v["doc_type"], v["number"]): v for v in vectors.values()}
    vector = vectors[name]
    record = decode_record(bytes.fromhex(vector["record_cbor_hex"]))
    assert (record.seq, record.doc_type, record.number) == (
        vector["seq"],
        vector["doc_type"],
        vector["number"],
    )
    before = chains.get((record.doc_type, record.number - 1))
    previous = decode_record(bytes.fromhex(before["record_cbor_hex"])) if before else None
    assert (previous is None) == (record.number == 1)  # every chained vector has its predecessor
    rebuilt = data_to_sign(record, previous.signature if previous else None)
    assert rebuilt == vector["data_to_sign"].encode()
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(vector["public_key_hex"]))
    key.verify(record.signature, rebuilt)
    if "gt_data_to_sign" in vector:
        gt_before = previous.body.gt_signature if previous else None  # type: ignore[union-attr]
        gt_text = grand_total_to_sign(record, gt_before)
        assert gt_text == vector["gt_data_to_sign"].encode()
        key.verify(record.body.gt_signature, gt_text)  # type: ignore[union-attr]
        both = ticket_to_sign(record, previous.signature if previous else None, gt_before, True)
        assert both == (rebuilt, gt_text)
        assert ticket_to_sign(record, None, None, False) == (data_to_sign(record, None), None)
    else:
        with pytest.raises(LayoutError):
            ticket_to_sign(record, None, None, True)


def test_vector_closure_body_fields() -> None:
    record = decode_record(bytes.fromhex(load_vectors()["closure_day_first"]["record_cbor_hex"]))
    body = record.body
    assert isinstance(body, ClosureBody)
    assert body.label == "2025-12-31" and body.from_seq == 1
    assert body.vat == ((2000, 695), (1000, 550), (550, 570))
    assert body.payments == ((1, 1265), (2, 550))
    assert body.counts == (2, 1, 1, 1, 0, 0) and body.cash_float == 15000


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


def with_field(path: tuple[int, ...], value: object) -> bytes:
    """Return the ticket vector with the value at ``path`` replaced, canonically encoded."""
    items = cbor2.loads(vector_record())
    holder = items
    for index in path[:-1]:
        holder = holder[index]
    holder[path[-1]] = value
    return cbor2.dumps(items, canonical=True)


@pytest.mark.parametrize(
    "path, value, problem",
    [
        ((8, 3), True, "booléen ou null interdit par le format"),
        ((8, 1, 0, 2), None, "booléen ou null interdit par le format"),
        ((8, 4), 2**64, "entier hors format (étiquette bignum)"),
        ((8, 1, 0, 3), -(2**64) - 1, "entier hors format (étiquette bignum)"),
        ((8, 7), 1.5, "type CBOR float interdit par le format"),
        ((8, 1, 0), {1: 2}, "type CBOR dict interdit par le format"),
        ((8, 3), -1, "champ rendu monnaie : entier positif ou nul attendu"),
        ((8, 1, 0, 0), 7, "champ référence : texte attendu"),
        ((8, 2, 0, 1), False, "booléen ou null interdit par le format"),
        ((8, 2, 0, 0), -3, "champ moyen de paiement : entier positif ou nul attendu"),
        ((3,), True, "booléen ou null interdit par le format"),
        ((5,), 2**64, "entier hors format (étiquette bignum)"),
        ((2,), -1, "champ seq : entier positif ou nul attendu"),
        ((9,), b"short", "champ signature : 64 octets attendus"),
    ],
    ids=[
        "bool",
        "null-in-line",
        "bignum",
        "negative-bignum-in-line",
        "float",
        "map",
        "sign",
        "type",
        "bool-in-payment",
        "negative-means",
        "bool-number",
        "bignum-offset",
        "negative-seq",
        "short-signature",
    ],
)
def test_a_known_record_is_refused_as_the_full_decoding_refuses_it(
    path: tuple[int, ...], value: object, problem: str
) -> None:
    """The typed fields, decoded before any walk of the value, refuse what the walk refuses."""
    with pytest.raises(DecodeError) as error:
        decode_record(with_field(path, value))
    assert error.value.problem == problem
    assert error.value.header is not None and error.value.header.doc_type == 1
    allowed = decode_record(with_field((8, 3), 0)).body
    assert isinstance(allowed, TicketBody) and allowed.change == 0


def test_timestamps_are_the_utc_calendar_up_to_year_9999() -> None:
    for when in (0, 59, 86399, 86400, 951782400, 1709164799, 1767225599, MAX_TIME_UTC):
        t = datetime.fromtimestamp(when, UTC)
        assert timestamp(when) == t.strftime("%Y%m%d%H%M%S")
    with pytest.raises(LayoutError, match="hors des dates"):
        timestamp(MAX_TIME_UTC + 1)
    with pytest.raises(LayoutError, match="hors des dates"):
        timestamp(2**64 - 1)


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


# -- closures and calendar --------------------------------------------------------------


def test_closure_differences_name_each_figure() -> None:
    record = decode_record(bytes.fromhex(load_vectors()["closure_day_first"]["record_cbor_hex"]))
    assert isinstance(record.body, ClosureBody)
    stated = Totals.of_closure(record.body)
    assert differences(record.body, stated) == []
    stated.vat[1000] += 100
    del stated.vat[550]
    stated.total_real -= 1
    stated.payments[4] = 5
    stated.counts[4] = 2
    stated.cash_moves = -300
    assert differences(record.body, stated) == [
        "TVA à 10 % : 5,50 € au lieu de 6,50 €",
        "TVA à 5,5 % : 5,70 € au lieu de absent",
        "total réel 18,15 € au lieu de 18,14 €",
        "paiements BON D'ACHAT : absent au lieu de 0,05 €",
        "ventes abandonnées 0 au lieu de 2",
        "mouvements d'espèces 0,00 € au lieu de -3,00 €",
    ]


def test_calendar_helpers() -> None:
    december = month_index(2025, 12)
    assert fiscal_year_of(december, 1) == "FY2025-01"
    assert fiscal_year_of(month_index(2026, 3), 4) == "FY2025-04"
    assert fiscal_year_of(month_index(2026, 4), 4) == "FY2026-04"
    assert last_day(december) == 20453  # 2025-12-31
    assert last_day(month_index(2024, 2)) - last_day(month_index(2024, 1)) == 29


# -- segments --------------------------------------------------------------------------


def test_journal_over_two_segments(tmp_path: Path) -> None:
    image = tmp_path / "flash.img"
    written = write_journal(image, tickets=150)
    pristine = image.read_bytes()
    contents = read_image(pristine)
    assert [s.name for s in contents.segments] == ["00000001.log", "00000002.log"]
    assert verify(contents, workers=2).intact
    # The log is laid again without segment 1's frames: segment 2's records become the first.
    first_gone = verify(read_image(remove_file(pristine, "/fiscal/journal/00000001.log")))
    first_left = first_gone.records[0].seq
    assert first_left > 1 and first_gone.findings[0].seq == first_left
    assert "1" in first_gone.findings[0].problem  # the records missing before it are named
    removed = verify(read_image(rewrite_segment(pristine, lambda f: f[:10] + f[11:])))
    kind = written.records[10][1]
    next_same = next(r for r in written.records[11:] if r[1] == kind)
    assert {f.seq for f in removed.findings} == {written.records[11][0], next_same[0]}


# -- independence ----------------------------------------------------------------------


FORBIDDEN = {"fiscal_core", "firmware", "hal", "simulator", "nacl"}
INSPECT = ROOT / "tools" / "inspect"
# The serial dump shares the link protocol with the terminal by design (issue 5); the
# command line wires it in. Neither is part of the verification, checked below.
LINK_MODULES = {"cli", "dump", "dump_cli", "link_client"}


def imports_of(path: Path) -> set[str]:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    return imported


@pytest.mark.parametrize(
    "path", [p for p in sorted(INSPECT.glob("*.py")) if p.stem not in LINK_MODULES], ids=str
)
def test_inspector_is_independent_of_the_terminal_code(path: Path) -> None:
    assert not {name.split(".")[0] for name in imports_of(path)} & FORBIDDEN


def test_verification_imports_nothing_of_the_terminal() -> None:
    """Everything verify, its report, export and list import, transitively, is the inspector's.

    They read copies too (``dumpdir``): only ``dump`` speaks the link protocol.
    """
    todo, seen = ["verify", "report", "export", "listing", "dumpdir"], set()
    while todo:
        module = todo.pop()
        seen.add(module)
        for name in imports_of(INSPECT / f"{module}.py"):
            assert name.split(".")[0] not in FORBIDDEN, (module, name)
            if name.startswith("tools.inspect.") and name.rsplit(".", 1)[1] not in seen:
                todo.append(name.rsplit(".", 1)[1])
    assert {"audit", "chains", "links", "periods", "totals", "tosign", "head"} <= seen
    assert not {"dump", "dump_cli", "link_client", "cli"} & seen
