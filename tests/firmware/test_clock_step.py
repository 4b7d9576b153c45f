"""A clock step on a running terminal and at start-up: held, shown, confirmed, journaled."""

from __future__ import annotations

from firmware.clock_watch import BOOT_STEP_S
from firmware.demo import DEMO_CONFIG
from firmware.keys import parse_key_script
from firmware.runner import Terminal
from fiscal_core import codes
from fiscal_core.records import JetBody, Record
from hal.clock.fake import FAKE_CLOCK_START_UTC, FakeClock
from hal.display.fake import FakeDisplay
from hal.flash.ram import RamFlash
from tests.firmware.test_runner import LOGIN, SALE, SIGNER, flash, make_board, records_of
from tools.inspect.image import read_image
from tools.inspect.verify import verify

CASHIER_LOGIN = "LOGOUT 2 ENTER 2222 ENTER"  # after LOGIN: Sacha, cashier, in the open period
MANAGER_CONFIRMS = "1 ENTER 1234 ENTER"  # Camille, manager
__all__ = ["flash"]  # the fixture, shared with test_runner


def press(terminal: Terminal, keys: str) -> None:
    for key in parse_key_script(keys):
        terminal.press(key)


def jets(records: list[Record], code: int) -> list[tuple[Record, JetBody]]:
    return [(r, r.body) for r in records if isinstance(r.body, JetBody) and r.body.code == code]


def assert_intact(flash: RamFlash) -> None:
    """The inspector's tool, independent of the terminal's code, finds nothing to report."""
    report = verify(read_image(flash.snapshot(), flash.geometry.block_size))
    assert report.intact, report.findings


def running_terminal(flash: RamFlash) -> tuple[Terminal, FakeClock, FakeDisplay]:
    board = make_board(flash)
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    press(terminal, LOGIN)
    return terminal, board.clock, board.display  # type: ignore[return-value]


def test_a_forward_step_holds_the_sale_until_a_manager_confirms_it(flash: RamFlash) -> None:
    terminal, clock, display = running_terminal(flash)
    press(terminal, CASHIER_LOGIN + " 10 PLU")
    recorded = len(records_of(flash))
    clock.now += 2 * 3600  # someone sets the clock two hours ahead
    press(terminal, "CASH")  # the key only reveals the step
    assert display.text == ("01/01/26 03:00 +2H00", "RESPONSABLE ?")
    assert not terminal.journal_event(codes.JET_REPORT_X, "x")  # nothing at the new time
    press(terminal, "2 ENTER")  # the cashier cannot confirm
    assert display.text == ("DROITS INSUFFISANTS", "responsable requis")
    press(terminal, "CLEAR 1 ENTER 9999 ENTER")  # a wrong PIN
    assert display.text == ("CODE SECRET FAUX", "responsable ?")
    press(terminal, "CLEAR 1 ENTER 12")
    assert display.text == ("01/01/26 03:00 +2H00", "CODE SECRET ?     **")
    assert len(records_of(flash)) == recorded  # nothing recorded while the step waits
    press(terminal, "34 ENTER")
    assert display.text == ("HEURE CONFIRMEE", "VENTE EN COURS")
    press(terminal, "CASH")  # the sale goes on where it was, in the cashier's name
    records = records_of(flash)
    ((step_record, step),) = jets(records, codes.JET_CLOCK_STEP)
    ((confirm_record, confirm),) = jets(records, codes.JET_CLOCK_CONFIRMED)
    assert step.text.startswith("saut d'horloge de +72")  # +7200 s and the keys' seconds
    assert "(en marche): 01/01/2026 01:00:" in step.text and "-> 01/01/2026 03:00:" in step.text
    assert step_record.operator_id == 0  # seen by the terminal
    assert confirm_record.operator_id == 1
    assert confirm.text.startswith("heure confirmee par Responsable 1 Camille: 01/01/2026 03:0")
    assert [r.doc_type for r in records[recorded:]] == [codes.DOC_JET] * 2 + [codes.DOC_TICKET]
    assert records[-1].operator_id == 2 and records[-1].time_utc >= confirm_record.time_utc
    assert_intact(flash)


def test_a_step_set_right_before_confirmation_is_journaled_and_work_resumes(
    flash: RamFlash,
) -> None:
    terminal, clock, display = running_terminal(flash)
    clock.now += 86400
    press(terminal, "SUBTOTAL")
    assert display.text == ("02/01/26 01:00 +1J", "RESPONSABLE ?")
    clock.now -= 86400  # the clock is put back on time: nothing to confirm any more
    press(terminal, "SUBTOTAL")
    assert display.text == ("HORLOGE A L'HEURE", "CAISSE PRETE")
    press(terminal, "10 PLU CASH")
    records = records_of(flash)
    ((_, step),) = jets(records, codes.JET_CLOCK_STEP)
    assert step.text.startswith("saut d'horloge de +864")
    assert step.text.endswith("non confirme: horloge remise a l'heure")
    assert not jets(records, codes.JET_CLOCK_CONFIRMED)
    assert records[-1].doc_type == codes.DOC_TICKET
    assert_intact(flash)


def test_a_clock_set_back_before_the_last_record_cannot_be_confirmed(flash: RamFlash) -> None:
    terminal, clock, display = running_terminal(flash)
    press(terminal, "10 PLU CASH")
    recorded = len(records_of(flash))
    clock.now -= 3600
    press(terminal, "SUBTOTAL")
    assert display.text == ("HORLOGE EN RETARD", "remettre a l'heure")
    press(terminal, MANAGER_CONFIRMS + " 10 PLU CASH")  # a manager can do nothing either
    assert display.text == ("HORLOGE EN RETARD", "remettre a l'heure")
    assert len(records_of(flash)) == recorded
    clock.now += 3600
    press(terminal, "CLEAR 10 PLU CASH")
    records = records_of(flash)
    ((_, step),) = jets(records, codes.JET_CLOCK_STEP)
    assert step.text.startswith("saut d'horloge de -36")
    assert [r.doc_type for r in records[recorded:]] == [codes.DOC_JET, codes.DOC_TICKET]
    assert terminal.state.mode == "ready"
    assert_intact(flash)


def test_a_clock_set_back_to_another_time_after_the_last_record_asks_a_manager(
    flash: RamFlash,
) -> None:
    terminal, clock, display = running_terminal(flash)
    clock.advance(3 * 3600)
    clock.now -= 3600  # back an hour: still after the last record, a step all the same
    press(terminal, "SUBTOTAL")
    assert display.text == ("01/01/26 03:00 -1H00", "RESPONSABLE ?")
    press(terminal, MANAGER_CONFIRMS)
    ((_, step),) = jets(records_of(flash), codes.JET_CLOCK_STEP)
    assert step.text.startswith("saut d'horloge de -3600 s (en marche)")
    assert display.text == ("HEURE CONFIRMEE", "CAISSE PRETE")


def test_a_start_up_behind_the_last_record_writes_nothing_until_the_clock_is_right(
    flash: RamFlash,
) -> None:
    Terminal.boot(make_board(flash, SALE), DEMO_CONFIG, SIGNER).poll()
    board = make_board(flash)
    clock = board.clock = FakeClock(now=FAKE_CLOCK_START_UTC - 3600)  # an hour before
    before = flash.snapshot()
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    assert board.display.text == ("HORLOGE EN RETARD", "remettre a l'heure")  # type: ignore[attr-defined]
    press(terminal, MANAGER_CONFIRMS)
    assert flash.snapshot() == before
    clock.now = FAKE_CLOCK_START_UTC + 600  # set right
    press(terminal, "CLEAR")
    assert board.display.text == ("OPERATEUR ?", "")  # type: ignore[attr-defined]
    records = records_of(flash)
    ((step_record, step),) = jets(records, codes.JET_CLOCK_STEP)
    assert "(depuis le dernier enregistrement)" in step.text
    assert step.text.endswith("non confirme: horloge remise a l'heure")
    assert jets(records, codes.JET_START)[-1][0].seq == step_record.seq + 1
    assert_intact(flash)


def test_a_start_up_far_after_the_last_record_waits_for_a_manager(flash: RamFlash) -> None:
    Terminal.boot(make_board(flash, SALE), DEMO_CONFIG, SIGNER).poll()
    last = records_of(flash)[-1].time_utc
    board = make_board(flash)
    board.clock = FakeClock(now=last + BOOT_STEP_S + 86400)  # 36 days later: a wrong date?
    before = flash.snapshot()
    terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
    display: FakeDisplay = board.display  # type: ignore[assignment]
    assert display.text == ("06/02/26 01:00 +36J", "RESPONSABLE ?")
    press(terminal, "2 ENTER CLEAR 1 ENTER 4321 ENTER CLEAR")  # cashier, wrong PIN
    assert flash.snapshot() == before  # not even the start-up is stamped with that time
    press(terminal, MANAGER_CONFIRMS)
    assert display.text == ("OPERATEUR ?", "")
    records = records_of(flash)
    new = [r.body.code for r in records if isinstance(r.body, JetBody) and r.time_utc > last]
    assert new[:3] == [codes.JET_CLOCK_STEP, codes.JET_CLOCK_CONFIRMED, codes.JET_START]
    ((_, step),) = jets(records, codes.JET_CLOCK_STEP)
    assert step.text.startswith(f"saut d'horloge de +{BOOT_STEP_S + 86400} s (depuis le dernier")
    press(terminal, "1 ENTER 1234 ENTER 2 FUNC")  # work goes on: the day left open is closed
    assert codes.DOC_GT_PERIOD in {r.doc_type for r in records_of(flash) if r.time_utc > last}
    assert_intact(flash)


def test_a_start_up_after_three_weeks_off_asks_nothing(flash: RamFlash) -> None:
    Terminal.boot(make_board(flash, SALE), DEMO_CONFIG, SIGNER).poll()
    board = make_board(flash)
    board.clock = FakeClock(now=FAKE_CLOCK_START_UTC + 21 * 86400)  # the shop's holidays
    Terminal.boot(board, DEMO_CONFIG, SIGNER)
    assert board.display.text == ("OPERATEUR ?", "")  # type: ignore[attr-defined]
    assert not jets(records_of(flash), codes.JET_CLOCK_STEP)
