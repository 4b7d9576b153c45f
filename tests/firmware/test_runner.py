"""The runner on a fake board: commit before print before drawer, recovery, refusals."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from firmware.archive import read_manifest
from firmware.demo import DEMO_CONFIG
from firmware.frames import encode_frame
from firmware.journal import Journal
from firmware.keys import parse_key_script
from firmware.provision import provision
from firmware.runner import BootError, Terminal
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.records import ArchiveBody, JetBody, Record, TicketBody
from hal.board import Board
from hal.clock.fake import FakeClock
from hal.counter.fake import FakeCounter
from hal.display.fake import FakeDisplay
from hal.drawer.fake import FakeCashDrawer
from hal.flash.ram import RamFlash
from hal.keypad.fake import FakeKeypad
from hal.ports import PRINTER_PAPER_OUT, PRINTER_READY, FlashGeometry, PrinterError
from hal.printer.fake import FakePrinter
from tests.firmware.log_edit import alter_record, frames_of, relay

SIGNER = Ed25519Signer(bytes(range(1, 33)))
LOGIN = "1 ENTER 1234 ENTER 15000 ENTER"  # log in and open the period (150,00 float)
SALE = LOGIN + " 2 X 2 PLU 1 PLU 695 DEPT3 2000 CASH"


class JournalCheckingPrinter(FakePrinter):
    """A printer that, when printing, counts the tickets already durable on the flash."""

    def __init__(self, flash: RamFlash) -> None:
        super().__init__()
        self.flash = flash
        self.tickets_on_flash_at_print: list[int] = []

    def print_bytes(self, data: bytes) -> None:
        copy = Journal.mount(RamFlash(self.flash.geometry, self.flash.snapshot()))
        records = [Record.decode(raw) for raw in copy.records()]
        self.tickets_on_flash_at_print.append(sum(r.doc_type == codes.DOC_TICKET for r in records))
        super().print_bytes(data)


def make_board(flash: RamFlash, keys: str = "") -> Board:
    return Board(
        keypad=FakeKeypad(parse_key_script(keys)),
        display=FakeDisplay(),
        drawer=FakeCashDrawer(),
        printer=JournalCheckingPrinter(flash),
        flash=flash,
        clock=FakeClock(),
    )


@pytest.fixture
def flash() -> RamFlash:
    chip = RamFlash(FlashGeometry(16, 16, 4096, 64))
    provision(chip, DEMO_CONFIG, SIGNER)
    return chip


def records_of(flash: RamFlash) -> list[Record]:
    return [Record.decode(raw) for raw in Journal.mount(flash).records()]


def test_boot_journals_start_up_and_asks_for_operator(flash: RamFlash) -> None:
    board = make_board(flash)
    Terminal.boot(board, DEMO_CONFIG, SIGNER)
    start, ack, selftest = records_of(flash)  # the first acknowledgment: the initial config
    assert start.doc_type == codes.DOC_JET and start.body.code == codes.JET_START  # type: ignore[union-attr]
    assert ack.body.code == codes.JET_CONFIG_ACK  # type: ignore[union-attr]
    assert ack.body.text == DEMO_CONFIG.digest()  # type: ignore[union-attr]
    assert selftest.body.code == codes.JET_SELF_TEST  # type: ignore[union-attr]
    assert selftest.body.text.endswith(": ok")  # type: ignore[union-attr]
    assert board.display.text == ("OPERATEUR ?", "")  # type: ignore[attr-defined]


def test_sale_is_durable_before_it_prints_and_before_the_drawer(flash: RamFlash) -> None:
    board = make_board(flash, SALE)
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    assert terminal.poll() == len(parse_key_script(SALE))
    printer: JournalCheckingPrinter = board.printer  # type: ignore[assignment]
    assert printer.tickets_on_flash_at_print == [1]
    # the self-test at start-up, before recording (6.7.3.4), then before printing
    assert printer.status_queries == 3
    assert board.drawer.pulses == 2  # type: ignore[attr-defined]  # the float, then the sale
    assert board.display.text == ("RENDU           6,15", "TICKET 1 OK")  # type: ignore[attr-defined]
    kinds = [(r.doc_type, r.number) for r in records_of(flash)]
    # start-up, initial configuration (401), self-test, log-in, cash float, then the ticket
    assert kinds == [(codes.DOC_JET, n) for n in range(1, 6)] + [(codes.DOC_TICKET, 1)]


def test_restart_recovers_numbers_chains_and_totals_from_flash_alone(flash: RamFlash) -> None:
    first = Terminal.boot(make_board(flash, SALE), DEMO_CONFIG, SIGNER)
    first.poll()
    state_before = first.ledger.state
    # The period is still open after the restart: no float this time.
    second = Terminal.boot(make_board(flash, SALE.replace(" 15000 ENTER", "")), DEMO_CONFIG, SIGNER)
    recovered = second.ledger.state
    assert recovered.seq == state_before.seq + 2  # plus the new start-up and self-test JETs
    assert recovered.gt_real == state_before.gt_real == 1385
    second.poll()
    tickets = [r for r in records_of(flash) if r.doc_type == codes.DOC_TICKET]
    assert [t.number for t in tickets] == [1, 2]
    body = tickets[-1].body
    assert isinstance(body, TicketBody) and body.gt_real == 2 * 1385


def jet_codes(flash: RamFlash) -> list[int]:
    return [r.body.code for r in records_of(flash) if isinstance(r.body, JetBody)]


def test_no_sale_is_recorded_while_the_printer_is_out_and_the_outage_is_journaled(
    flash: RamFlash,
) -> None:
    board = make_board(flash)
    printer: FakePrinter = board.printer  # type: ignore[assignment]
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    printer.state = PRINTER_PAPER_OUT
    for key in parse_key_script(SALE + " CLEAR CASH CLEAR"):
        terminal.press(key)
    assert [r.doc_type for r in records_of(flash)].count(codes.DOC_TICKET) == 0
    assert jet_codes(flash).count(codes.JET_PRINTER_OFFLINE) == 1  # once, not per attempt
    assert printer.jobs == []
    printer.state = PRINTER_READY
    terminal.press("CASH")
    assert jet_codes(flash)[-1] == codes.JET_PRINTER_BACK
    assert [r.doc_type for r in records_of(flash)][-1] == codes.DOC_TICKET
    assert len(printer.jobs) == 1


class DyingPrinter(FakePrinter):
    """Ready when asked, out of paper as the receipt comes."""

    def print_bytes(self, data: bytes) -> None:
        raise PrinterError(PRINTER_PAPER_OUT, "paper ran out during the receipt")


def test_a_ticket_recorded_but_not_printed_is_journaled_and_printed_later(
    flash: RamFlash,
) -> None:
    board = make_board(flash, SALE)
    board.printer = DyingPrinter()
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    terminal.poll()
    assert board.display.text == ("PLUS DE PAPIER", "ticket enregistre")  # type: ignore[attr-defined]
    assert jet_codes(flash)[-1] == codes.JET_RECEIPT_NOT_PRINTED
    assert terminal.ledger.state.unprinted == {1}
    board.printer = FakePrinter()
    for key in parse_key_script("CLEAR 16 FUNC"):
        terminal.press(key)
    assert jet_codes(flash)[-1] == codes.JET_RECEIPT_PRINTED_LATE
    assert terminal.ledger.state.unprinted == set()
    (job,) = board.printer.jobs  # type: ignore[attr-defined]
    assert b"IMPRESSION DIFFEREE" in job
    assert board.display.text == ("TICKETS IMPRIMES", "1")  # type: ignore[attr-defined]


def test_full_fiscal_memory_refuses_the_sale_and_keeps_it_open(flash: RamFlash) -> None:
    terminal = Terminal.boot(make_board(flash), DEMO_CONFIG, SIGNER)
    for key in parse_key_script(LOGIN + " 10 PLU"):
        terminal.press(key)
    for filler in ("x" * 190, "x"):  # fill the small chip with JET lines until it says no
        while True:
            seq = terminal.ledger.state.seq
            terminal._commit(_jet(filler))
            if terminal.ledger.state.seq == seq:
                break
    on_flash = len(records_of(flash))
    seq = terminal.ledger.state.seq
    # The reserve check normally refuses first (MEMORY_FULL); here its measure is stale,
    # so the journal's own refusal is the last line of defence.
    terminal.health.memory_full = False
    terminal.press("CASH")
    assert terminal.ledger.state.seq == seq and len(records_of(flash)) == on_flash
    assert terminal.board.display.text == ("ECRITURE IMPOSSIBLE", "WRITE_FAILED")  # type: ignore[attr-defined]
    assert len(terminal.state.lines) == 1


def _jet(text: str):  # type: ignore[no-untyped-def]
    from firmware.messages import CommitJet

    return CommitJet(1, codes.JET_LOGIN, text)


def test_blank_flash_is_refused_and_left_untouched() -> None:
    chip = RamFlash(FlashGeometry(16, 16, 4096, 64))
    before = chip.snapshot()
    with pytest.raises(BootError) as err:
        Terminal.boot(make_board(chip), DEMO_CONFIG, SIGNER)
    assert err.value.code == "NO_FILESYSTEM"
    assert chip.snapshot() == before


def test_another_key_is_refused_and_nothing_written(flash: RamFlash) -> None:
    before = flash.snapshot()
    with pytest.raises(BootError) as err:
        Terminal.boot(make_board(flash), DEMO_CONFIG, Ed25519Signer(bytes(32)))
    assert err.value.code == "KEY_MISMATCH"
    assert flash.snapshot() == before


def test_tampered_record_stops_the_boot_and_nothing_is_written(flash: RamFlash) -> None:
    Terminal.boot(make_board(flash, SALE), DEMO_CONFIG, SIGNER).poll()
    alter_record(flash, 0, 40)  # inside the first record: CRC now wrong
    before = flash.snapshot()
    with pytest.raises(BootError) as err:
        Terminal.boot(make_board(flash), DEMO_CONFIG, SIGNER)
    assert err.value.code == "CORRUPT_JOURNAL"
    assert flash.snapshot() == before


def test_missing_identity_is_a_boot_error_not_a_crash(flash: RamFlash) -> None:
    journal = Journal.mount(flash)
    journal._fs.remove("/fiscal/identity.cbor")
    before = flash.snapshot()
    with pytest.raises(BootError) as err:
        Terminal.boot(make_board(flash), DEMO_CONFIG, SIGNER)
    assert err.value.code == "UNREADABLE"
    assert flash.snapshot() == before


def test_a_changed_configuration_waits_for_a_manager_and_is_journaled_with_its_reason(
    flash: RamFlash,
) -> None:
    Terminal.boot(make_board(flash), DEMO_CONFIG, SIGNER)
    first = replace(DEMO_CONFIG.items[0], price=399)
    cheaper = replace(DEMO_CONFIG, items=(first, *DEMO_CONFIG.items[1:]))
    board = make_board(flash)
    terminal = Terminal.boot(board, cheaper, SIGNER)
    display: FakeDisplay = board.display  # type: ignore[assignment]
    assert display.text == ("CONFIG MODIFIEE", "responsable requis")
    for key in parse_key_script("2 ENTER 2222 ENTER"):  # a cashier may not validate it
        terminal.press(key)
    assert terminal.state.error == "CONFIG_PENDING"
    for key in parse_key_script("CLEAR 1 ENTER 1234 ENTER 10 PLU"):  # nothing else first
        terminal.press(key)
    assert terminal.state.lines == () and terminal.state.error == "ENTER_EXPECTED"
    terminal.press("CLEAR")
    assert display.text[0] == "MOTIF CONFIG 1-4 ?"
    for key in parse_key_script("3 ENTER"):
        terminal.press(key)
    change, ack = records_of(flash)[-2:]
    assert isinstance(ack.body, JetBody) and ack.body.text == cheaper.digest()
    assert isinstance(change.body, JetBody) and change.body.code == codes.JET_CONFIG_CHANGE
    assert change.body.text == "items[plu=1].price: 450 -> 399 | C3 changement de tarif"
    assert change.operator_id == 1
    again = make_board(flash)
    Terminal.boot(again, cheaper, SIGNER)  # acknowledged now: no question at the next start
    assert again.display.text == ("OPERATEUR ?", "")  # type: ignore[attr-defined]


def test_archive_of_the_closed_day_is_written_and_signed_by_its_digest(flash: RamFlash) -> None:
    board = make_board(flash, SALE + " 2 FUNC 17 FUNC 1 ENTER")
    Terminal.boot(board, DEMO_CONFIG, SIGNER).poll()
    records = records_of(flash)
    archive = next(r for r in records if r.doc_type == codes.DOC_ARCHIVE)
    body = archive.body
    assert isinstance(body, ArchiveBody) and body.closure_type == codes.DOC_GT_PERIOD
    data = Journal.mount(flash).read_file(f"/fiscal/archives/{body.file_name}")
    assert data is not None and hashlib.sha256(data).digest() == body.file_digest
    assert read_manifest(data)["terminal"] == DEMO_CONFIG.terminal_id
    jet = records[-1].body
    assert isinstance(jet, JetBody) and jet.code == codes.JET_PERIOD_ARCHIVE
    assert board.display.text == ("ARCHIVE CREEE", "N° 1")  # type: ignore[attr-defined]


def test_a_ticket_recorded_when_the_power_failed_before_printing_is_offered_at_boot(
    flash: RamFlash,
) -> None:
    Terminal.boot(make_board(flash, SALE), DEMO_CONFIG, SIGNER).poll()
    Journal.mount(flash)._fs.remove("/fiscal/printed")  # the cut came before the marker
    board = make_board(flash)
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    last = records_of(flash)[-2]  # then the start-up self-test
    assert isinstance(last.body, JetBody) and last.body.code == codes.JET_RECEIPT_NOT_PRINTED
    assert last.body.ref == 1 and "coupure" in last.body.text
    assert terminal.ledger.state.unprinted == {1}
    assert board.display.text == ("A IMPRIMER: 1", "fonction 16")  # type: ignore[attr-defined]
    again = make_board(flash)
    Terminal.boot(again, DEMO_CONFIG, SIGNER)  # accounted once, not at every start
    assert jet_codes(flash).count(codes.JET_RECEIPT_NOT_PRINTED) == 1


def counted_board(flash: RamFlash, counter: FakeCounter, keys: str = "") -> Board:
    board = make_board(flash, keys)
    board.counter = counter
    return board


def test_the_counter_follows_every_commit(flash: RamFlash) -> None:
    counter = FakeCounter()
    terminal = Terminal.boot(counted_board(flash, counter, SALE), DEMO_CONFIG, SIGNER)
    terminal.poll()
    assert counter.value() == terminal.ledger.state.seq == len(records_of(flash))


def test_a_journal_cut_short_is_an_integrity_alarm_that_stays(flash: RamFlash) -> None:
    counter = FakeCounter()
    Terminal.boot(counted_board(flash, counter, SALE), DEMO_CONFIG, SIGNER).poll()
    whole = counter.value()
    counter.advance_to(whole + 3)  # as if the last three records had been removed
    board = counted_board(flash, counter, "1 ENTER 1234 ENTER 10 PLU CASH")
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    alarm = records_of(flash)[-1].body
    assert isinstance(alarm, JetBody) and alarm.code == codes.JET_INTEGRITY_ERROR
    assert "raccourci" in alarm.text
    assert board.display.text[0] == "ERREUR INTEGRITE"  # type: ignore[attr-defined]
    terminal.poll()  # nothing can be sold
    assert [r.doc_type for r in records_of(flash)].count(codes.DOC_TICKET) == 1
    assert counter.value() == whole + 3  # the evidence is kept
    for _ in range(4):  # the journal grows by start-ups, the alarm never clears by itself
        again = counted_board(flash, counter)
        Terminal.boot(again, DEMO_CONFIG, SIGNER)
        assert again.display.text[0] == "ERREUR INTEGRITE"  # type: ignore[attr-defined]


def test_a_journal_one_record_ahead_of_the_counter_is_a_power_cut_not_an_attack(
    flash: RamFlash,
) -> None:
    counter = FakeCounter()
    Terminal.boot(counted_board(flash, counter, SALE), DEMO_CONFIG, SIGNER).poll()
    behind = FakeCounter(counter.value() - 1)  # the cut came between append and counter
    board = counted_board(flash, behind)
    Terminal.boot(board, DEMO_CONFIG, SIGNER)
    assert board.display.text == ("OPERATEUR ?", "")  # type: ignore[attr-defined]
    assert behind.value() == len(records_of(flash))


def test_a_new_software_version_is_journaled_with_before_and_after(
    flash: RamFlash, monkeypatch: pytest.MonkeyPatch
) -> None:
    Terminal.boot(make_board(flash), DEMO_CONFIG, SIGNER)
    monkeypatch.setattr("firmware.runner.SOFTWARE_ID", "FiscalTerm 0.2.0")
    Terminal.boot(make_board(flash), DEMO_CONFIG, SIGNER)
    change = next(
        r.body
        for r in records_of(flash)
        if isinstance(r.body, JetBody) and r.body.code == codes.JET_VERSION_CHANGE
    )
    assert isinstance(change, JetBody)
    assert change.text == "changement de version: FiscalTerm 0.1.0 -> FiscalTerm 0.2.0"
    Terminal.boot(make_board(flash), DEMO_CONFIG, SIGNER)  # same version: nothing more
    assert jet_codes(flash).count(codes.JET_VERSION_CHANGE) == 1


def test_year_end_warns_then_blocks_until_the_year_is_archived(flash: RamFlash) -> None:
    board = make_board(flash)
    clock = board.clock = FakeClock(now=1767171600)  # 2025-12-31 10:00 in Paris: a year's last day
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    display: FakeDisplay = board.display  # type: ignore[assignment]
    for key in parse_key_script(
        LOGIN + " 10 PLU CASH 2 FUNC 3 FUNC 4 FUNC LOGOUT 1 ENTER 1234 ENTER"
    ):
        terminal.press(key)
    assert display.text == ("BONJOUR CAMILLE", "ARCHIVE: FONCTION 17")  # the warning
    for key in parse_key_script("100 ENTER"):
        terminal.press(key)
    assert display.text == ("ARCHIVE EXERCICE DUE", "ARCHIVE_REQUIRED")  # then the block
    for key in parse_key_script("CLEAR 17 FUNC 3 ENTER"):
        terminal.press(key)
    archive = records_of(flash)[-2].body
    assert isinstance(archive, ArchiveBody) and archive.kind == codes.ARCHIVE_YEAR
    assert jet_codes(flash)[-1] == codes.JET_YEAR_ARCHIVE
    clock.advance(2 * 86400)  # 2 January: the new year opens (time passes: no clock step)
    for key in parse_key_script("100 ENTER"):
        terminal.press(key)
    assert display.text == ("PERIODE OUVERTE", "CAISSE PRETE")


def test_a_fiscal_memory_nearly_full_warns_then_keeps_its_reserve_for_closures() -> None:
    chip = RamFlash(FlashGeometry(16, 16, 4096, 128))
    provision(chip, DEMO_CONFIG, SIGNER)
    board = make_board(chip)
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    for key in parse_key_script(LOGIN):
        terminal.press(key)
    while not terminal.health.memory_full:  # JET lines standing for months of activity
        assert terminal.journal_event(codes.JET_REPORT_X, "x" * 190)
    assert jet_codes(chip).count(codes.JET_MEMORY_WARNING) == 1
    warning = next(
        r.body
        for r in records_of(chip)
        if isinstance(r.body, JetBody) and r.body.code == codes.JET_MEMORY_WARNING
    )
    assert isinstance(warning, JetBody) and warning.text.startswith("memoire fiscale utilisee a 9")
    tickets = [r for r in records_of(chip) if r.doc_type == codes.DOC_TICKET]
    for key in parse_key_script("10 PLU CASH"):
        terminal.press(key)
    assert board.display.text == ("MEMOIRE PLEINE", "MEMORY_FULL")  # type: ignore[attr-defined]
    assert [r for r in records_of(chip) if r.doc_type == codes.DOC_TICKET] == tickets
    for key in parse_key_script("CLEAR CANCEL 2 FUNC"):  # the day can still be closed
        terminal.press(key)
    assert any(r.doc_type == codes.DOC_GT_PERIOD for r in records_of(chip))
    again = make_board(chip)
    Terminal.boot(again, DEMO_CONFIG, SIGNER)
    assert again.display.text[0].startswith("MEMOIRE PLEINE 9")  # type: ignore[attr-defined]


def test_the_daily_closure_runs_a_self_test_of_the_checkpoint_and_the_tail(
    flash: RamFlash,
) -> None:
    board = make_board(flash)
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    for key in parse_key_script(SALE + " 2 FUNC"):
        terminal.press(key)
    last = records_of(flash)[-1].body
    assert isinstance(last, JetBody) and last.code == codes.JET_SELF_TEST
    assert last.text.startswith("autotest cloture journaliere") and last.text.endswith(": ok")
    assert "point de controle 3 verifie, enregistrements 4 a " in last.text  # the boot's


def test_a_journal_altered_while_running_is_caught_by_the_daily_self_test(
    flash: RamFlash,
) -> None:
    board = make_board(flash)
    board.printer = FakePrinter()  # the checking printer would itself trip over the damage
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    for key in parse_key_script(SALE):
        terminal.press(key)
    # Someone with the flash in hand changes a byte of a record after the boot's checkpoint
    # (the self-test verifies from it) and before the last one.
    assert terminal.checkpoint_seq < terminal.ledger.state.seq - 1
    alter_record(flash, terminal.ledger.state.seq - 2, 40)  # frame index: the last one but one
    for key in parse_key_script("2 FUNC"):
        terminal.press(key)
    assert terminal.ledger.state.integrity_alarm  # JET 90 was journaled (and accepted)
    assert terminal.state.mode == "halted"
    assert board.display.text[0] == "ERREUR INTEGRITE"  # type: ignore[attr-defined]


def test_an_alarm_after_a_one_record_cut_never_lets_the_counter_catch_up(flash: RamFlash) -> None:
    counter = FakeCounter()
    Terminal.boot(counted_board(flash, counter, SALE), DEMO_CONFIG, SIGNER).poll()
    evidence = counter.value() + 1  # as if the last record had been removed
    counter.advance_to(evidence)
    for _ in range(3):  # each start-up adds records; the journal passes the counter
        board = counted_board(flash, counter)
        Terminal.boot(board, DEMO_CONFIG, SIGNER)
        assert board.display.text[0] == "ERREUR INTEGRITE"  # type: ignore[attr-defined]
    assert counter.value() == evidence


def rewrite_with_a_foreign_frame(flash: RamFlash, index: int) -> None:
    """Replace frame ``index`` by a frame that holds (CRC right) but no record."""
    frames = frames_of(flash)
    frames[index] = encode_frame(b"\x83\x01\x01\x01")  # CBOR [1, 1, 1]: not a record
    relay(flash, frames)


@pytest.mark.parametrize("keys", ["10 FUNC 1 ENTER", "12 FUNC 1 ENTER 1 ENTER"])
@pytest.mark.parametrize("damage", ["bit flipped", "not a record"])
def test_a_damaged_record_met_by_a_look_up_is_an_integrity_alarm(
    flash: RamFlash, keys: str, damage: str
) -> None:
    board = make_board(flash)
    board.printer = FakePrinter()  # the checking printer would itself trip over the damage
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    for key in parse_key_script(SALE + " 10 PLU CASH 10 PLU CASH"):
        terminal.press(key)
    index = len(records_of(flash)) - 2  # ticket 2: after ticket 1, before the log's end
    if damage == "bit flipped":
        alter_record(flash, index, 40)
    else:
        rewrite_with_a_foreign_frame(flash, index)
    for key in parse_key_script(keys):  # a duplicate or an invoice of ticket 1
        terminal.press(key)
    assert terminal.ledger.state.integrity_alarm  # JET 90 was journaled (and accepted)
    assert terminal.state.mode == "halted"
    assert board.display.text[0] == "ERREUR INTEGRITE"  # type: ignore[attr-defined]
    state = terminal.ledger.state
    assert state.head(codes.DOC_DUPLICATE).number == state.head(codes.DOC_INVOICE).number == 0
