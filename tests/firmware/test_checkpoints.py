"""Boot from a signed checkpoint: same state as a full verification, every tampering seen.

A journal of a few thousand records (benchmarks/generator.py, a shop's
days with closures) on a RAM flash; the terminal boots on it once (full
verification, first checkpoint), then the checkpoint or the journal is
tampered with the way someone with the flash in hand could.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace

import pytest

from benchmarks.generator import TERMINAL_ID, Workload
from firmware.checkpointing import BOOT_TAIL_KEPT, CHECKPOINT_EVERY, load_checkpoint
from firmware.demo import DEMO_CONFIG
from firmware.journal import CHECKPOINT_PATH, Journal
from firmware.keys import parse_key_script
from firmware.recovery import BootError, recover
from firmware.runner import Terminal
from fiscal_core import codes
from fiscal_core.cbor import decode
from fiscal_core.checkpoint import Checkpoint
from fiscal_core.identity import Identity
from fiscal_core.records import JetBody, Record
from fiscal_core.state_codec import state_to_array
from hal.board import Board
from hal.counter.fake import FakeCounter
from hal.factory import fake_board
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry
from tests.firmware.log_edit import alter_record, frames_of, relay

RECORDS = 1800  # about 13 segments: look-ups and tails have somewhere to go
SALES_PER_DAY = 300  # a daily closure every 300-odd records, a month closure among them
CONFIG = replace(DEMO_CONFIG, terminal_id=TERMINAL_ID)
WORKLOAD = Workload(sales_per_day=SALES_PER_DAY)
GEOMETRY = FlashGeometry(16, 16, 4096, 512)


def board(flash: RamFlash, counter: FakeCounter, now: int) -> Board:
    return fake_board(flash=flash, counter=counter, now=now)


class Shop:
    """A flash holding the workload's journal, booted once; its counter; a clock after it."""

    def __init__(self, image: bytes, counter: int, now: int) -> None:
        self.flash = RamFlash(GEOMETRY, image)
        self.counter = FakeCounter()
        self.counter.advance_to(counter)
        self.now = now

    @classmethod
    def build(cls, records: list[bytes]) -> Shop:
        flash = RamFlash(GEOMETRY)
        journal = Journal.create(flash, WORKLOAD.identity())
        for raw in records:
            journal.append(raw)
        journal.replace_file("/fiscal/printed", b"999999")  # the workload's tickets were printed
        shop = cls(flash.snapshot(), len(records), Record.decode(records[-1]).time_utc + 3600)
        first = shop.boot()  # no checkpoint: every record verified, then the first one written
        assert first.board.display.text[0] == "OPERATEUR ?"  # type: ignore[attr-defined]
        return shop

    def copy(self) -> Shop:
        return Shop(self.flash.snapshot(), self.counter.value(), self.now)

    def boot(self) -> Terminal:
        self.now += 60
        return Terminal.boot(board(self.flash, self.counter, self.now), CONFIG, WORKLOAD.signer)

    def journal(self) -> Journal:
        return Journal.mount(self.flash)

    def jets(self, code: int) -> list[str]:
        bodies = (Record.decode(raw).body for raw in self.journal().records())
        return [b.text for b in bodies if isinstance(b, JetBody) and b.code == code]

    def checkpoint(self) -> Checkpoint:
        identity = Identity.decode(self.journal().identity())
        checkpoint = load_checkpoint(self.journal(), identity)
        assert checkpoint is not None
        return checkpoint

    def journal_length(self) -> int:
        return sum(1 for _ in self.journal().records())

    def store(self, checkpoint: Checkpoint) -> None:
        self.journal().replace_file(CHECKPOINT_PATH, checkpoint.sign(WORKLOAD.signer))


@pytest.fixture(scope="module")
def booted() -> Shop:
    return Shop.build(list(Workload(sales_per_day=SALES_PER_DAY).records(RECORDS)))


@pytest.fixture
def shop(booted: Shop) -> Shop:
    return booted.copy()


def self_tests(shop: Shop) -> list[str]:
    return shop.jets(codes.JET_SELF_TEST)


def test_the_first_boot_verifies_everything_then_a_checkpoint_carries_the_next(shop: Shop) -> None:
    (first,) = self_tests(shop)
    assert f"enregistrements 1 a {RECORDS} verifies" in first and first.endswith(": ok")
    covered = shop.checkpoint().seq
    assert covered == shop.journal_length()
    terminal = shop.boot()
    second = self_tests(shop)[-1]
    assert f"point de controle {covered} verifie, aucun enregistrement apres lui" in second
    full = recover(shop.journal(), CONFIG, WORKLOAD.signer).state
    assert state_to_array(terminal.ledger.state) == state_to_array(full)
    assert shop.jets(codes.JET_CHECKPOINT_REFUSED) == []


def test_boot_from_a_checkpoint_with_a_tail_gives_the_state_of_a_full_verification(
    shop: Shop,
) -> None:
    terminal = shop.boot()
    for n in range(40):  # a tail after the checkpoint: log-ins, a float, sales
        terminal.journal_event(codes.JET_LOGIN, f"operateur {n}")
    covered = terminal.checkpoint_seq
    again = shop.boot()
    text = self_tests(shop)[-1]
    assert f"point de controle {covered} verifie, enregistrements {covered + 1} a" in text
    full = recover(shop.journal(), CONFIG, WORKLOAD.signer).state
    assert state_to_array(again.ledger.state) == state_to_array(full)
    # Storage use carried by the checkpoint: littlefs's own figure within a few blocks.
    measured = shop.journal().measure_used_bytes()
    assert abs(again.journal.used_bytes() - measured) <= 8 * GEOMETRY.block_size


def test_a_checkpoint_is_written_every_thousand_records_and_after_closures(shop: Shop) -> None:
    terminal = shop.boot()
    start = shop.checkpoint().seq
    assert start == terminal.checkpoint_seq < terminal.ledger.state.seq  # the boot's own: after
    for n in range(start + CHECKPOINT_EVERY - terminal.ledger.state.seq - 1):
        terminal.journal_event(codes.JET_REPORT_X, f"x {n}")
    assert shop.checkpoint().seq == start  # not yet
    terminal.journal_event(codes.JET_REPORT_X, "the thousandth")
    assert shop.checkpoint().seq == start + CHECKPOINT_EVERY == terminal.ledger.state.seq


def tamper_signature(shop: Shop) -> None:
    data = shop.journal().read_file(CHECKPOINT_PATH)
    assert data is not None
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    shop.journal().replace_file(CHECKPOINT_PATH, bytes(changed))


def tamper_head(shop: Shop) -> None:  # signed with the key, but naming another last signature
    checkpoint = shop.checkpoint()
    raw = shop.journal().record_ending_at(checkpoint.segment, checkpoint.offset)
    head = checkpoint.state.chains[Record.decode(raw or b"").doc_type]
    head.signature = bytes(64)
    shop.store(checkpoint)


def tamper_beyond(shop: Shop) -> None:
    checkpoint = shop.checkpoint()
    checkpoint.segment += 3
    shop.store(checkpoint)


def tamper_inside_a_frame(shop: Shop) -> None:
    checkpoint = shop.checkpoint()
    checkpoint.offset -= 10
    shop.store(checkpoint)


def tamper_digest(shop: Shop) -> None:
    checkpoint = shop.checkpoint()
    checkpoint.last_digest = hashlib.sha256(b"another record").digest()
    shop.store(checkpoint)


def tamper_other_terminal(shop: Shop) -> None:
    checkpoint = shop.checkpoint()
    checkpoint.terminal_id = "OTHER-0001"
    shop.store(checkpoint)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (tamper_signature, "invalide"),
        (tamper_head, "etat different"),
        (tamper_beyond, "aucun enregistrement ne finit"),
        (tamper_inside_a_frame, "aucun enregistrement ne finit"),
        (tamper_digest, "differe de son empreinte"),
        (tamper_other_terminal, "autre terminal"),
    ],
    ids=["signature", "state", "beyond", "inside-a-frame", "digest", "terminal"],
)
def test_a_tampered_checkpoint_is_journaled_and_the_whole_journal_verified(
    shop: Shop, tamper: object, reason: str
) -> None:
    tamper(shop)  # type: ignore[operator]
    terminal = shop.boot()
    (refused,) = shop.jets(codes.JET_CHECKPOINT_REFUSED)
    assert refused.startswith("point de controle refuse") and reason in refused
    assert "enregistrements 1 a " in self_tests(shop)[-1]  # verified from the first record
    assert terminal.board.display.text[0] == "OPERATEUR ?"  # type: ignore[attr-defined]
    # The fresh checkpoint written after the full verification is accepted next time.
    shop.boot()
    assert len(shop.jets(codes.JET_CHECKPOINT_REFUSED)) == 1


def test_a_checkpoint_whose_state_disagrees_with_the_tail_is_refused(shop: Shop) -> None:
    terminal = shop.boot()
    for key in parse_key_script("1 ENTER 1234 ENTER 10 PLU CASH"):
        terminal.press(key)
    assert [r for r in shop.journal().records()][-1][2] == codes.DOC_TICKET
    checkpoint = shop.checkpoint()
    assert checkpoint.seq < terminal.ledger.state.seq - 1
    checkpoint.state.gt_real += 100  # signed with the key, but not what the records say
    shop.store(checkpoint)
    shop.boot()
    (refused,) = shop.jets(codes.JET_CHECKPOINT_REFUSED)
    assert "la suite ne s'accorde pas" in refused


def test_a_journal_shortened_before_its_checkpoint_is_seen_and_the_counter_halts_it(
    shop: Shop,
) -> None:
    checkpoint = shop.checkpoint()
    # The last record covered by the checkpoint removed, and all after, as a cut journal would be.
    relay(shop.flash, frames_of(shop.flash)[: checkpoint.seq - 1])
    terminal = shop.boot()
    (refused,) = shop.jets(codes.JET_CHECKPOINT_REFUSED)
    assert "aucun enregistrement ne finit" in refused
    assert any("journal raccourci" in text for text in shop.jets(codes.JET_INTEGRITY_ERROR))
    assert terminal.state.mode == "halted"


def test_a_record_altered_after_the_checkpoint_stops_the_boot(shop: Shop) -> None:
    terminal = shop.boot()
    for n in range(5):
        terminal.journal_event(codes.JET_LOGIN, f"operateur {n}")
    # Inside the last record but one, after the checkpoint (a damaged last frame with nothing
    # after it has the shape of a torn one: tests/firmware/test_journal_log.py).
    alter_record(shop.flash, terminal.ledger.state.seq - 2, 20)
    with pytest.raises(BootError) as caught:
        shop.boot()
    assert caught.value.code == "CORRUPT_JOURNAL"


def test_boot_from_a_checkpoint_never_lists_the_journal(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Journal) -> Iterator[bytes]:
        raise AssertionError("the whole journal was read")

    monkeypatch.setattr(Journal, "segments", refuse)
    monkeypatch.setattr(Journal, "records", refuse)
    terminal = shop.boot()
    assert terminal.board.display.text[0] == "OPERATEUR ?"  # type: ignore[attr-defined]


class ReadCounter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = 0
        original = Journal._segment_records

        def counted(journal: Journal, index: int) -> list[bytes] | None:
            self.reads += 1
            return original(journal, index)

        monkeypatch.setattr(Journal, "_segment_records", counted)


def test_look_ups_read_from_the_end_and_stop_early(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = shop.boot()
    segments = terminal.journal.position()[0]
    assert segments > 10
    counter = ReadCounter(monkeypatch)
    last = terminal.ledger.state.head(codes.DOC_TICKET).number
    found = terminal.find_all(codes.DOC_TICKET, {last, last - 3})
    assert sorted(found) == [last - 3, last] and counter.reads <= 2
    counter.reads = 0
    assert terminal.find(codes.DOC_TICKET, last + 1) is None and counter.reads == 0
    counter.reads = 0
    last_day = terminal.ledger.state.head(codes.DOC_GT_PERIOD).number
    day = terminal.find(codes.DOC_GT_PERIOD, last_day)  # its seq is in the state: block headers
    assert day is not None and day.number == last_day and counter.reads == 0
    counter.reads = 0
    first_day = terminal.find(codes.DOC_GT_PERIOD, 1)  # an older closure: read from the end
    assert first_day is not None and first_day.number == 1 and 1 < counter.reads <= segments
    counter.reads = 0
    first = terminal.find(codes.DOC_TICKET, 1)  # the oldest: every segment back to it
    assert first is not None and first.number == 1 and counter.reads == segments


def test_the_daily_self_test_verifies_the_checkpoint_and_the_tail_only(shop: Shop) -> None:
    terminal = shop.boot()
    covered = terminal.checkpoint_seq
    for key in parse_key_script("1 ENTER 1234 ENTER 2 FUNC"):
        terminal.press(key)
    daily = self_tests(shop)[-1]
    assert daily.startswith("autotest cloture journaliere")
    assert f"point de controle {covered} verifie, enregistrements {covered + 1} a" in daily
    assert daily.endswith(": ok")
    assert shop.checkpoint().seq == terminal.ledger.state.seq  # and a fresh one after it
    assert decode(shop.journal().read_file(CHECKPOINT_PATH) or b"")  # a whole CBOR array


def test_a_boot_from_the_latest_checkpoint_leaves_its_own_records_to_a_later_boot(
    shop: Shop,
) -> None:
    data = shop.journal().read_file(CHECKPOINT_PATH)
    covered = shop.checkpoint().seq
    terminal = shop.boot()  # nothing after the checkpoint but this boot's own records
    assert terminal.ledger.state.seq - covered < BOOT_TAIL_KEPT
    assert shop.journal().read_file(CHECKPOINT_PATH) == data  # not encoded, signed, written
    terminal = shop.boot()  # verifies them from the checkpoint, as any tail
    assert (
        f"point de controle {covered} verifie, enregistrements {covered + 1} a"
        in (self_tests(shop)[-1])
    )
    full = recover(shop.journal(), CONFIG, WORKLOAD.signer).state
    assert state_to_array(terminal.ledger.state) == state_to_array(full)
    boots = 2
    while shop.checkpoint().seq == covered:  # until BOOT_TAIL_KEPT records have gathered
        assert boots < BOOT_TAIL_KEPT
        terminal, boots = shop.boot(), boots + 1
    assert shop.checkpoint().seq == terminal.ledger.state.seq
