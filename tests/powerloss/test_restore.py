"""A power cut at every flash operation of a restore: complete and journaled, or resumable.

The scenario "restore" (docs/POWERLOSS.md): a terminal sold and made a
backup (function 18); its flash is replaced by a blank provisioned one and
the technician's restore (firmware/restore.py: check, apply, JET 942,
finish) runs on an EmulatedFlash, recorded once. For every k and model the
chip is rebuilt as the cut left it, and:

- the journal holds a prefix of the backup's records (then the JET 942):
  no partial or foreign record is ever accepted;
- if the restore was not over (its marker is there) the terminal refuses
  to start and writes nothing; the restore run again completes it;
- then the terminal starts with no integrity alarm, holds every record of
  the backup and exactly one JET 942, journals its restart, the next sale
  takes the next number, and ``fiscal-inspect verify`` says intact.

Ids ``restore-k<k>-<model>``; POWERLOSS_FULL=1 adds the unsynced and the
other torn models.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pytest

from firmware.journal import RESTORE_PATH, Journal
from firmware.keys import parse_key_script
from firmware.provision import provision
from firmware.restore import apply, check, done_text, finish
from firmware.runner import BootError, Terminal
from fiscal_core import codes
from fiscal_core.events import JetBody
from fiscal_core.ledger import Ledger
from fiscal_core.records import Record
from hal.counter.fake import FakeCounter
from hal.flash.emulated import EmulatedFlash
from hal.flash.ram import RamFlash
from hal.storage.fake import FakeStorage
from tests.powerloss.harness import MODEL_CUT, MODEL_UNSYNCED, SEED, SIGNER, TORN, inspect
from tests.powerloss.scenarios import CONFIG, SMALL_CHIP, ring_next_sale
from tests.powerloss.sweep import FULL
from tests.powerloss.witness import journal_records, make_board

MODELS = (MODEL_CUT, MODEL_UNSYNCED, *TORN) if FULL else (MODEL_CUT, "torn")
BACKUP_KEYS = "1 ENTER 1234 ENTER 15000 ENTER 2 X 2 PLU 695 DEPT3 2000 CASH 18 FUNC"
HOUR_S = 3600  # the restore and the restart happen the same business day


@dataclass(frozen=True)
class RestoreRun:
    backup: bytes
    records: list[bytes]  # the backup's records
    counter: int  # the board's counter when the flash was replaced
    flash: EmulatedFlash  # the restore, recorded
    done_at: int  # op count when the JET 942's append returned (the counter then advances)
    finished_at: int  # op count when the marker was removed


def board_at(flash: object, counter: FakeCounter, now: float, storage: FakeStorage | None = None):  # type: ignore[no-untyped-def]
    board = make_board(flash, now=now)  # type: ignore[arg-type]
    board.counter = counter
    board.storage = storage
    return board


def technician_restore(flash: object, backup: bytes, counter: FakeCounter, now: int) -> int:
    """The technician's restore, as tools/flash/backup.py runs it; return the 942's seq."""
    journal = Journal.mount(flash)  # type: ignore[arg-type]
    checked = check(backup, journal, CONFIG, counter.value())
    apply(journal, checked)
    ledger = Ledger(CONFIG.terminal_id, SIGNER, checked.state)
    seq = len(checked.records) + 1
    if not checked.done:
        sealed = ledger.seal_jet(
            time_utc=now,
            utc_offset=60,
            operator_id=0,
            code=codes.JET_RESTORE_DONE,
            text=done_text(checked),
        )
        journal.append(sealed.encoded)
        seq = sealed.record.seq
    counter.advance_to(max(counter.value(), seq))
    finish(journal)
    return seq


@functools.cache
def recorded() -> RestoreRun:
    source = RamFlash(SMALL_CHIP)
    provision(source, CONFIG, SIGNER)
    counter, storage = FakeCounter(), FakeStorage()
    terminal = Terminal.boot(board_at(source, counter, 1_767_225_600, storage), CONFIG, SIGNER)
    for key in parse_key_script(BACKUP_KEYS):
        terminal.press(key)
    (backup,) = storage.files.values()
    records = journal_records(source)
    blank = RamFlash(SMALL_CHIP)
    provision(blank, CONFIG, SIGNER)
    flash = EmulatedFlash(SMALL_CHIP, blank.snapshot())
    journal = Journal.mount(flash)
    checked = check(backup, journal, CONFIG, counter.value())
    apply(journal, checked)
    ledger = Ledger(CONFIG.terminal_id, SIGNER, checked.state)
    sealed = ledger.seal_jet(
        time_utc=1_767_225_600 + HOUR_S,
        utc_offset=60,
        operator_id=0,
        code=codes.JET_RESTORE_DONE,
        text=done_text(checked),
    )
    journal.append(sealed.encoded)
    done_at = flash.op_count
    finish(journal)
    return RestoreRun(backup, records, counter.value(), flash, done_at, flash.op_count)


def restore_cuts() -> list[tuple[int, str]]:
    run = recorded()
    chosen = []
    for k in range(1, run.flash.op_count + 1):
        for model in MODELS:
            if model != MODEL_UNSYNCED or k - run.flash.last_sync(k) >= 2:
                chosen.append((k, model))
    return chosen


def image(run: RestoreRun, k: int, model: str) -> bytes:
    if model == MODEL_CUT:
        return run.flash.image_after(k)
    if model == MODEL_UNSYNCED:
        return run.flash.image_unsynced(k, SEED)
    return run.flash.image_torn(k, TORN[model], SEED)


def test_the_restore_scenario_restores_every_record_and_journals_it() -> None:
    run = recorded()
    after = journal_records(RamFlash(SMALL_CHIP, run.flash.snapshot()))
    assert after[:-1] == run.records and len(run.records) == run.counter
    last = Record.decode(after[-1]).body
    assert isinstance(last, JetBody) and last.code == codes.JET_RESTORE_DONE
    assert 0 < run.done_at < run.finished_at == run.flash.op_count


@pytest.mark.parametrize(
    ("k", "model"), restore_cuts(), ids=[f"restore-k{k}-{m}" for k, m in restore_cuts()]
)
def test_power_cut_during_a_restore(k: int, model: str, tmp_path: Path) -> None:
    run = recorded()
    where = f"restore-k{k}-{model} ({run.flash.describe(k)})"
    flash = EmulatedFlash(SMALL_CHIP, image(run, k, model))
    raw = journal_records(flash)
    done = Record.decode(raw[-1]).body if len(raw) > len(run.records) else None
    assert raw[: len(run.records)] == run.records[: len(raw)], f"{where}: a foreign record"
    assert len(raw) <= len(run.records) + 1, where
    assert done is None or (isinstance(done, JetBody) and done.code == codes.JET_RESTORE_DONE)
    completed = k - 1 if model in TORN else k
    counter = FakeCounter(run.counter + (1 if completed >= run.done_at else 0))
    now = 1_767_225_600 + 2 * HOUR_S
    marker = Journal.mount(flash).read_file(RESTORE_PATH) is not None
    if marker or done is None:
        if marker:
            with pytest.raises(BootError) as refused:
                Terminal.boot(board_at(flash, counter, now), CONFIG, SIGNER)
            assert refused.value.code == "RESTORE_UNFINISHED", where
            assert flash.op_count == 0, f"{where}: a refused boot wrote"
        technician_restore(flash, run.backup, counter, now)  # run again: it goes on
    terminal = Terminal.boot(board_at(flash, counter, now + 60), CONFIG, SIGNER)
    assert not terminal.ledger.state.integrity_alarm, where
    records = [Record.decode(r) for r in journal_records(flash)]
    assert journal_records(flash)[: len(run.records)] == run.records, where
    restores = [r for r in records if isinstance(r.body, JetBody) and r.body.code == 942]
    assert len(restores) == 1 and restores[0].seq == len(run.records) + 1, where
    tickets = sum(1 for r in records if r.doc_type == codes.DOC_TICKET)
    ring_next_sale(terminal)
    after = [Record.decode(r) for r in journal_records(flash)]
    assert after[-1].doc_type == codes.DOC_TICKET and after[-1].number == tickets + 1, where
    assert [r.seq for r in after] == list(range(1, len(after) + 1)), where
    code, report = inspect(flash.snapshot(), SMALL_CHIP.block_size, tmp_path / "after.img")
    assert code == 0 and report["intact"], f"{where}: {report.get('findings')}"
