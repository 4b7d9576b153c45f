"""A power cut at every flash operation of every scenario: nothing acknowledged is lost.

Each test id is ``<scenario>-k<k>-<model>`` (docs/POWERLOSS.md): the chip is
rebuilt as the cut left it (harness.Cut.image), a fresh terminal boots on
it, and then:

- the boot succeeds, or, if the cut came before provisioning returned, it
  fails with BootError having written nothing; the board's monotonic
  counter, left as its last advance before the cut, agrees with the journal
  (no integrity alarm);
- every record the world was told of before the cut is there, at most the
  one record in flight more, and they are exactly the first records of the
  uninterrupted run (no torn or partial record accepted);
- the restart is journaled (JET 80, next seq);
- every ticket whose receipt had not printed by the cut is marked unprinted
  (JET 901), to be offered for printing;
- every ARCHIVE record that survived has its archive file, with its digest;
- a sale rung up next takes the next ticket number and adds its total to the
  perpetual totals, and the counter follows the journal;
- ``fiscal-inspect verify --json`` says intact after the restart and the sale.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from firmware.journal import Journal, JournalError
from firmware.log_blocks import Torn
from firmware.runner import BootError, Terminal
from fiscal_core import codes
from fiscal_core.documents import ArchiveBody
from fiscal_core.events import JetBody
from fiscal_core.records import Record
from fiscal_core.sales import TicketBody
from hal.flash.emulated import EmulatedFlash
from hal.flash.ram import RamFlash
from tests.powerloss.harness import (
    MODEL_CUT,
    MODEL_IN_SYNC,
    MODEL_UNSYNCED,
    SEED,
    SIGNER,
    Cut,
    inspect,
)
from tests.powerloss.scenarios import NEXT_SALE_TOTAL, ring_next_sale
from tests.powerloss.witness import journal_records, make_board


def is_start_up(record: Record) -> bool:
    return isinstance(record.body, JetBody) and record.body.code == codes.JET_START


def torn_frame_on(flash: EmulatedFlash) -> Torn | None:
    """The torn frame at the end of the journal on ``flash``, found as the boot will find it."""
    try:
        journal = Journal.mount(RamFlash(flash.geometry, flash.snapshot()))
        journal.position()
    except JournalError:  # not provisioned yet: the boot refuses it
        return None
    return journal.torn


def test_power_cut(cut: Cut, tmp_path: Path) -> None:
    rec = cut.recording
    geometry = cut.scenario.geometry
    image = cut.image(SEED)
    when = {
        MODEL_CUT: "after",
        MODEL_UNSYNCED: "after (unsynced lost)",
        MODEL_IN_SYNC: "in the sync after (unsynced lost)",
    }.get(cut.model, "during")
    where = f"{cut.id} (cut {when} {rec.flash.describe(cut.k)})"
    flash = EmulatedFlash(geometry, image)
    torn = torn_frame_on(flash)  # what a cut inside an append left at the log's end, if anything
    board = make_board(flash, now=cut.restart_time(), counter=cut.counter_value())
    try:
        terminal = Terminal.boot(board, cut.scenario.config, SIGNER)
    except BootError as exc:
        assert cut.completed < rec.provisioned_at, f"{where}: boot refused: {exc.code} {exc}"
        assert flash.op_count == 0, f"{where}: a refused boot wrote {flash.describe(1)}"
        return

    alarm = terminal.ledger.state.integrity_alarm or terminal.alarm
    assert not alarm, f"{where}: counter {cut.counter_value()} and journal disagree: {alarm}"

    # Survivors: acknowledged ones all there, at most one more, a prefix of the run.
    # The restart's own records start with its JET 80, the last one in the journal
    # (the boot may journal more after it, e.g. a configuration JET 400).
    raw = journal_records(flash)
    records = [Record.decode(r) for r in raw]
    restart = max(i for i, r in enumerate(records) if is_start_up(r))
    survivors = raw[:restart]
    acked, returned = cut.must_survive()
    assert survivors == rec.records[: len(survivors)], f"{where}: a record differs from the run's"
    assert len(survivors) >= acked, f"{where}: {acked} acknowledged, {len(survivors)} left"
    assert len(survivors) >= returned, (
        f"{where}: {returned} appends returned, {len(survivors)} left"
    )
    assert len(survivors) <= returned + 1, f"{where}: more than the append in flight survived"

    # The restart is journaled: that JET 80 is the restart's (its time), right after them.
    assert records[restart].time_utc == int(cut.restart_time()), f"{where}: no JET 80 at restart"
    assert records[restart].seq == restart + 1, f"{where}: start-up is #{records[restart].seq}"

    # A ticket whose receipt did not print before the cut is marked so (JET 901) at restart.
    numbers = {r.number for r in records[:restart] if r.doc_type == codes.DOC_TICKET}
    jets = [r.body for r in records if isinstance(r.body, JetBody)]
    marked = {j.ref for j in jets if j.code == codes.JET_RECEIPT_NOT_PRINTED}
    lost = sorted(numbers - cut.printed_tickets() - marked)
    assert not lost, f"{where}: tickets {lost} neither printed nor marked unprinted"

    # A frame torn by the cut is never a record, and the restart journals it once (JET 936).
    restart_jets = [r.body for r in records[restart:] if isinstance(r.body, JetBody)]
    torn_jets = [j.text for j in restart_jets if j.code == codes.JET_TORN_FRAME]
    expected = [] if torn is None else [torn.describe()]
    assert torn_jets == expected, f"{where}: torn frame {expected}, journaled {torn_jets}"

    # An archive's record is never durable before its file.
    journal = Journal.mount(flash)
    for body in (r.body for r in records if isinstance(r.body, ArchiveBody)):
        data = journal.read_file(f"/fiscal/archives/{body.file_name}")
        assert data is not None, f"{where}: archive {body.file_name} recorded, file missing"
        assert hashlib.sha256(data).digest() == body.file_digest, f"{where}: archive differs"

    # Numbering and perpetual totals go on without a gap.
    tickets = [r.body for r in map(Record.decode, survivors) if r.doc_type == codes.DOC_TICKET]
    last = tickets[-1] if tickets else None
    assert last is None or isinstance(last, TicketBody)
    real, absolute = (last.gt_real, last.gt_absolute) if last else (0, 0)
    ring_next_sale(terminal)
    after = [Record.decode(r) for r in journal_records(flash)]
    assert [r.seq for r in after] == list(range(1, len(after) + 1)), f"{where}: seq gap"
    new = after[-1]
    assert new.doc_type == codes.DOC_TICKET, f"{where}: the next sale was not recorded"
    assert isinstance(new.body, TicketBody)
    assert new.number == len(tickets) + 1, f"{where}: ticket {new.number} after {len(tickets)}"
    totals = (new.body.gt_real, new.body.gt_absolute)
    assert totals == (real + NEXT_SALE_TOTAL, absolute + NEXT_SALE_TOTAL), f"{where}: totals"
    assert board.counter is not None and board.counter.value() == new.seq, f"{where}: counter"

    code, report = inspect(flash.snapshot(), geometry.block_size, tmp_path / "after.img")
    assert code == 0 and report["intact"], f"{where}: inspector: {report.get('findings')}"
    assert report["frames"] == len(after), where
