"""Signed checkpoints: the ledger state encoded exactly, signed apart from every record."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fiscal_core import codes
from fiscal_core.cbor import decode, encode
from fiscal_core.checkpoint import CHECKPOINT_DOMAIN, Checkpoint
from fiscal_core.closures import ClosureBody
from fiscal_core.documents import ArchiveBody
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.errors import FiscalError, FormatError, IntegrityError
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.links import DocumentLinks
from fiscal_core.records import Line, Payment, Record
from fiscal_core.state import LedgerState
from fiscal_core.state_codec import state_from_array, state_to_array
from fiscal_core.tosign import data_to_sign
from fiscal_core.verifier import Verifier
from tests.core.conftest import LINES, T0, TEST_SEED

SIGNER = Ed25519Signer(TEST_SEED)
AT = {"utc_offset": 60, "operator_id": 1}

ACTIONS = (
    "sale",
    "card",
    "return",
    "float",
    "day",
    "month",
    "year",
    "archive",
    "duplicate",
    "invoice",
    "note",
    "training",
    "unprinted",
    "late",
    "alarm",
    "release",
    "config",
    "start",
    "cash",
)


def play(ledger: Ledger, action: str, t: int, made: list[Record]) -> Sealed:
    """Seal one record of kind ``action`` at ``t`` (FiscalError when the rules refuse it)."""
    at = {"time_utc": t, **AT}
    tickets = [r for r in made if r.doc_type == codes.DOC_TICKET and r.body.is_return is False]  # type: ignore[union-attr]
    closures = [r for r in made if r.doc_type in codes.CLOSURE_TYPES]
    if action in ("sale", "card"):
        means = codes.PAY_CASH if action == "sale" else codes.PAY_CARD
        lines = LINES if action == "sale" else LINES[:1]
        paid = sum(line.total for line in lines) + (500 if action == "sale" else 0)
        return ledger.seal_ticket(**at, lines=lines, payments=[Payment(means, paid)])
    if action == "return" and tickets:
        original = tickets[-1]
        line = LINES[0]
        back = [Line(line.ref, line.label, -1, line.unit_price, line.vat_rate)]
        refund = [Payment(codes.PAY_CASH, -line.unit_price)]
        links = DocumentLinks.after(original, made)
        return ledger.seal_return(
            **at, original=original, links=links, lines=back, refunds=refund, reason="x"
        )
    if action == "float":
        return ledger.open_period(**at, cash_float=15000)
    if action in ("day", "month", "year"):
        kind = {"day": codes.DOC_GT_PERIOD, "month": codes.DOC_GT_MONTH, "year": codes.DOC_GT_YEAR}
        return ledger.seal_closure(doc_type=kind[action], **at)
    if action == "archive" and closures:
        closure = closures[-1]
        digest = hashlib.sha256(str(closure.seq).encode()).digest()
        return ledger.seal_archive(**at, closure=closure, file_name="a.zip", file_digest=digest)
    if action == "duplicate" and tickets:
        links = DocumentLinks.after(tickets[0], made)
        return ledger.seal_duplicate(**at, original=tickets[0], links=links)
    if action == "invoice" and tickets:
        return ledger.seal_invoice(
            time_utc=t,
            utc_offset=60,
            operator_id=1,
            ticket=tickets[-1],
            links=DocumentLinks.after(tickets[-1], made),
            customer="SARL X",
            postcode="75001",
        )
    if action == "note":
        return ledger.seal_note(**at, lines=LINES, persons=2)
    code, amount, ref = {
        "training": (
            codes.JET_TRAINING_OFF if ledger.state.training else codes.JET_TRAINING_ON,
            0,
            0,
        ),
        "unprinted": (codes.JET_RECEIPT_NOT_PRINTED, 0, len(tickets)),
        "late": (codes.JET_RECEIPT_PRINTED_LATE, 0, min(ledger.state.unprinted, default=0)),
        "alarm": (codes.JET_INTEGRITY_ERROR, 0, 0),
        "release": (codes.JET_INTEGRITY_CLEARED, ledger.state.seq + 7, 0),
        "config": (codes.JET_CONFIG_ACK, 0, 0),
        "cash": (codes.JET_CASH_MOVE, -300, 0),
    }.get(action, (codes.JET_START, 0, 0))
    return ledger.seal_jet(**at, code=code, text=f"{action} {t}", amount=amount, ref=ref)


def reached_state(steps: list[tuple[str, int]]) -> tuple[Ledger, list[Record]]:
    ledger = Ledger("TEST-0001", SIGNER)
    made: list[Record] = []
    t = T0
    for action, pause in steps:
        t += pause
        try:
            sealed = play(ledger, action, t, made)
        except FiscalError:
            continue
        ledger.accept(sealed)
        made.append(sealed.record)
    return ledger, made


# Every kind of state slot filled (unprinted, closures, archives), and returns, invoices and
# reprints, which the state no longer keeps (fiscal_core/links.py).
BUSY = [("float", 1), ("sale", 60), ("card", 60), ("return", 60), ("invoice", 60)]
BUSY += [("duplicate", 60), ("unprinted", 1), ("config", 1), ("day", 60), ("archive", 60)]
BUSY += [("float", 86400), ("sale", 60), ("training", 1), ("alarm", 1), ("release", 1)]

STEPS = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.sampled_from([1, 60, 3600, 86400, 31 * 86400])),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
@example(BUSY)
def test_a_state_reached_by_real_records_survives_its_encoding_exactly(
    steps: list[tuple[str, int]],
) -> None:
    ledger, _ = reached_state(steps)
    encoded = encode(state_to_array(ledger.state))
    restored = state_from_array(decode(encoded))
    assert encode(state_to_array(restored)) == encoded
    for slot in LedgerState.__slots__:
        mine, theirs = getattr(ledger.state, slot), getattr(restored, slot)
        if slot in ("day", "month", "year"):
            assert state_to_array(ledger.state) == state_to_array(restored)
        elif slot == "chains":
            assert {t: (h.number, h.signature) for t, h in mine.items()} == {
                t: (h.number, h.signature) for t, h in theirs.items()
            }
        else:
            assert mine == theirs, slot
    # The same next record, byte for byte, from the state and from its copy.
    again = Ledger("TEST-0001", SIGNER, restored)
    at = {"time_utc": ledger.state.last_time + 1, **AT}
    for who in (ledger, again):
        assert who.state.seq == ledger.state.seq
    one = ledger.seal_jet(**at, code=codes.JET_LOGIN, text="x")
    two = again.seal_jet(**at, code=codes.JET_LOGIN, text="x")
    assert one.encoded == two.encoded


def busy_state() -> LedgerState:
    ledger, made = reached_state(BUSY)
    assert len(made) == len(BUSY)
    return ledger.state


def test_a_checkpoint_opens_with_the_terminal_key_and_gives_back_its_state() -> None:
    state = busy_state()
    data = Checkpoint("TEST-0001", state, 1, 2048, b"\x01" * 32, 12288).sign(SIGNER)
    opened = Checkpoint.open(data, SIGNER.public_key)
    assert (opened.terminal_id, opened.seq, opened.segment, opened.offset) == (
        "TEST-0001",
        state.seq,
        1,
        2048,
    )
    assert (opened.last_digest, opened.used_bytes) == (b"\x01" * 32, 12288)
    assert state_to_array(opened.state) == state_to_array(state)


def test_a_checkpoint_with_one_byte_changed_or_another_key_is_refused() -> None:
    data = Checkpoint("TEST-0001", busy_state(), 1, 2048, b"\x01" * 32, 0).sign(SIGNER)
    other = Ed25519Signer(bytes(32))
    with pytest.raises(FormatError, match="signature"):
        Checkpoint.open(data, other.public_key)
    body, signature = decode(data)
    assert isinstance(body, bytes) and isinstance(signature, bytes)
    for position in (20, len(body) // 2, len(body) - 3):
        changed = bytearray(body)
        changed[position] ^= 0x01
        with pytest.raises(FormatError):
            Checkpoint.open(encode([bytes(changed), signature]), SIGNER.public_key)


def test_a_checkpoint_signature_is_not_a_record_signature_and_the_reverse() -> None:
    ledger = Ledger("TEST-0001", SIGNER)
    sealed = ledger.seal_jet(time_utc=T0, **AT, code=codes.JET_START, text="x")
    message = data_to_sign(sealed.record, b"").encode("utf-8")
    # Every record's data to sign starts with a digit or a comma, never the domain's letter.
    assert message[:1].isdigit() or message[:1] == b","
    assert not message.startswith(CHECKPOINT_DOMAIN[:1])
    forged = encode([message, sealed.record.signature])
    with pytest.raises(FormatError, match="signature"):
        Checkpoint.open(forged, SIGNER.public_key)


def former_checkpoint(state: LedgerState, links: list[Any]) -> bytes:
    """A version-2 checkpoint of ``state``: its state array with the link slots ``links``."""
    body = decode(Checkpoint("TEST-0001", state, 1, 2048, b"\x01" * 32, 0).body())
    body[1] = 2
    body[8] = body[8][:17] + links + body[8][17:]
    raw = encode(body)
    return encode([raw, SIGNER.sign(CHECKPOINT_DOMAIN + raw)])


def test_a_former_checkpoint_is_read_and_its_links_left_to_the_journal() -> None:
    state = busy_state()
    links: list[Any] = [[[codes.DOC_TICKET, 1, 2]], [1], [[1, [["P2|120|550", 1]]]]]
    opened = Checkpoint.open(former_checkpoint(state, links), SIGNER.public_key)
    assert state_to_array(opened.state) == state_to_array(state)
    with pytest.raises(FormatError, match="reprints is not an array"):
        Checkpoint.open(former_checkpoint(state, [0, [], []]), SIGNER.public_key)
    with pytest.raises(FormatError, match="ledger state"):  # a version-3 state in a version 2
        Checkpoint.open(former_checkpoint(state, []), SIGNER.public_key)


def test_a_checkpoint_whose_seq_is_not_its_states_is_refused() -> None:
    state = busy_state()
    good = Checkpoint("TEST-0001", state, 1, 2048, b"\x01" * 32, 0)
    body = decode(good.body())
    body[3] = state.seq + 1
    raw = encode(body)
    with pytest.raises(FormatError, match="seq"):
        Checkpoint.open(encode([raw, SIGNER.sign(CHECKPOINT_DOMAIN + raw)]), SIGNER.public_key)


# A shop's days with their month and year closures and archives, as long as asked.
def days(count: int) -> list[tuple[str, int]]:
    day = [("float", 86400), ("sale", 60), ("day", 60), ("month", 1), ("year", 1), ("archive", 1)]
    return day * count


def test_the_state_keeps_the_last_closure_of_each_kind_and_does_not_grow_with_the_years() -> None:
    ledger, made = reached_state(days(400))
    state = ledger.state
    last = {t: state.head(t).number for t in codes.CLOSURE_TYPES}
    assert all(last.values())  # days, months and years were closed
    assert set(state.closures) == {(t, n) for t, n in last.items()}
    young, _ = reached_state(days(40))
    size = len(encode(state_to_array(state)))
    assert size <= len(encode(state_to_array(young.state))) + 32  # a few more digits, no more
    # Across a boot: the state from its checkpoint encoding still refuses what it must.
    restored = Ledger("TEST-0001", SIGNER, state_from_array(decode(encode(state_to_array(state)))))
    closures = [r for r in made if r.doc_type in codes.CLOSURE_TYPES]
    archived = next(r for r in reversed(made) if r.doc_type == codes.DOC_ARCHIVE)
    named = next(
        r
        for r in closures
        if r.number == archived.body.closure_number  # type: ignore[union-attr]
        and r.doc_type == archived.body.closure_type
    )  # type: ignore[union-attr]
    earlier = next(r for r in closures if r.doc_type == codes.DOC_GT_PERIOD)
    for closure, code in ((named, "ALREADY_ARCHIVED"), (earlier, "NOT_A_CLOSURE")):
        with pytest.raises(FiscalError) as err:
            restored.seal_archive(
                time_utc=state.last_time,
                **AT,
                closure=closure,
                file_name="a.zip",
                file_digest=bytes(32),
            )
        assert err.value.code == code


def test_an_archive_of_an_earlier_closure_does_not_verify() -> None:
    ledger, made = reached_state(days(3))
    earlier = next(r for r in made if r.doc_type == codes.DOC_GT_PERIOD)
    assert earlier.number < ledger.state.head(codes.DOC_GT_PERIOD).number
    body = earlier.body
    assert isinstance(body, ClosureBody)
    forged = ArchiveBody(
        codes.ARCHIVE_PERIOD,
        earlier.doc_type,
        earlier.number,
        body.from_seq,
        earlier.seq,
        body.vat,
        body.total_real,
        "a.zip",
        bytes(32),
    )
    state = state_from_array(decode(encode(state_to_array(ledger.state))))
    sealed = ledger._seal(codes.DOC_ARCHIVE, ledger.state.last_time, 60, 1, forged)
    with pytest.raises(IntegrityError, match="not the last of its kind"):
        Verifier(SIGNER.public_key, "TEST-0001", state=state).check(sealed.record)


def test_reprints_invoices_and_returns_do_not_grow_the_state() -> None:
    # Each day: a sale, a return and an invoice of it, a reprint of the very first sale.
    day = [("float", 86400), ("sale", 60), ("return", 1), ("invoice", 1), ("duplicate", 1)]
    day += [("day", 60), ("month", 1), ("year", 1), ("archive", 1)]  # each when it is due
    old, made = reached_state(day * 300)
    young, _ = reached_state(day * 45)  # past its first year closure, as the old one is
    kinds = [r.doc_type for r in made]
    assert kinds.count(codes.DOC_DUPLICATE) == kinds.count(codes.DOC_INVOICE) == 300
    assert max(r.body.reprint for r in made if r.doc_type == codes.DOC_DUPLICATE) == 300  # type: ignore[union-attr]
    # No array of the state holds more items after 300 days than after 45 (its integers only
    # take more digits), but the archived closures: one of each kind at most.
    shapes = [[shape(field) for field in state_to_array(s.state)] for s in (old, young)]
    archived = 19
    assert shapes[0][:archived] + shapes[0][archived + 1 :] == (
        shapes[1][:archived] + shapes[1][archived + 1 :]
    )
    assert len(old.state.archived) <= len(codes.CLOSURE_TYPES)


def shape(value: object) -> object:
    """The nesting of arrays in a decoded CBOR value, without the scalars' values."""
    return [shape(item) for item in value] if isinstance(value, list) else type(value).__name__
