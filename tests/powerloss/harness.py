"""Power-loss harness: record a scenario once, then rebuild the flash as any cut would leave it.

Theory of operation (littlefs's test_powerloss is the model, with snapshots
instead of an exception thrown through littlefs's callbacks, which would
abort the process).

1. ``record(scenario)`` runs the scenario once, on an EmulatedFlash over a
   base image (blank, or provisioned and prefilled off the record), on a
   witnessed board (tests/powerloss/witness.py): at every moment the world
   learns something, how far the flash had got and how many records the
   terminal had been told were durable; when each append returned; and
   when the board's monotonic counter (a chip apart from the flash) moved.
2. A ``Cut`` (scenario, k, model) rebuilds the chip as a power cut leaves
   it: ``cut`` = operations 1..k done; a torn model = 1..k-1 done and k
   half-done (hal/flash/emulated.py). What must be on that chip:
   - every record whose append returned, and so every record the terminal
     acknowledged, at a moment no later than the last operation surely
     completed (k for ``cut``, k - 1 when op k is torn);
   - at most one record more (the append in flight), and nothing else:
     the records are a prefix of those of the uninterrupted run;
   - the counter as its last advance before the cut left it
     (``Cut.counter_value``): the terminal must start on that pair without
     an integrity alarm.
3. ``tests/powerloss/test_powerloss.py`` boots a fresh terminal on it and
   checks the rest (restart journaled, next sale numbered without a gap,
   inspector verdict).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware.journal import JournalError
from firmware.provision import provision
from firmware.runner import BootError, Terminal
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.records import Record
from hal.board import Board
from hal.clock.fake import FakeClock
from hal.flash.emulated import OP_ERASE, TORN_BITS, TORN_GARBAGE, TORN_PREFIX, EmulatedFlash
from hal.flash.ram import RamFlash
from hal.ports import ERASED_BYTE
from tests.powerloss.scenarios import CONFIG, SIGNER_SEED, Scenario, press, ring_next_sale
from tests.powerloss.witness import (
    PRINTED,
    Witness,
    journal_records,
    make_board,
    watching_appends,
)
from tools.inspect.cli import main as inspect_main

SIGNER = Ed25519Signer(SIGNER_SEED)
# Models of a cut: "cut" = a clean cut after op k; "unsynced" = a cut after op
# k that lost some operations since the last sync; "in-sync" = a cut while the
# sync that followed op k was running, which lost some operations since the
# sync before it; the torn ones tear op k.
MODEL_CUT = "cut"
MODEL_UNSYNCED = "unsynced"
MODEL_IN_SYNC = "in-sync"
TORN = {"torn": TORN_BITS, "torn-prefix": TORN_PREFIX, "torn-garbage": TORN_GARBAGE}
RESTART_DELAY_S = 60
SEED = int(os.environ.get("POWERLOSS_SEED", "0"))  # of the torn and unsynced models' noise


@dataclass
class Recording:
    """One uninterrupted run of a scenario and what it left."""

    scenario: Scenario
    flash: EmulatedFlash
    witness: Witness
    provisioned_at: int  # op count when provisioning returned (0: the base was provisioned)
    records: list[bytes]  # every record on the flash at the end, in journal order
    board: Board
    times: list[tuple[int, float]]  # (op count, clock) after each step: the clock moves in steps
    printed_before: frozenset[int]  # tickets of the base image whose receipt printed

    @property
    def op_count(self) -> int:
        return self.flash.op_count

    @functools.cached_property
    def tickets(self) -> list[int]:
        """Return, for each record of the run, the number of the last ticket up to it (0: none)."""
        last, out = 0, []
        for raw in self.records:
            record = Record.decode(raw)
            last = record.number if record.doc_type == codes.DOC_TICKET else last
            out.append(last)
        return out


def base_image(scenario: Scenario) -> tuple[bytes, int]:
    """Return the chip the recording starts from, and how many records it holds."""
    chip = RamFlash(scenario.geometry)
    if scenario.records_provisioning:
        return chip.snapshot(), 0
    provision(chip, CONFIG, SIGNER)
    if scenario.prefill:
        terminal = Terminal.boot(make_board(chip), CONFIG, SIGNER)
        scenario.prefill(terminal)
    return chip.snapshot(), len(journal_records(chip))


@functools.cache
def record(scenario: Scenario) -> Recording:
    """Run ``scenario`` once on an EmulatedFlash, noting every acknowledgement; cached."""
    base, base_records = base_image(scenario)
    flash = EmulatedFlash(scenario.geometry, base)
    witness = Witness(flash, base_records, counter_start=base_records)
    board = make_board(flash, witness, scenario.paper_runs_out, counter=base_records)
    provisioned_at = 0
    with watching_appends(witness):
        if scenario.records_provisioning:
            provision(flash, CONFIG, SIGNER)
            provisioned_at = flash.op_count
        terminal = Terminal.boot(board, scenario.config, SIGNER)
        clock: FakeClock = board.clock  # type: ignore[assignment]
        times = [(0, clock.now)]
        for step in scenario.steps:
            press(terminal, step)
            times.append((flash.op_count, clock.now))
    records = journal_records(RamFlash(scenario.geometry, flash.snapshot()))
    base_tickets = [Record.decode(r) for r in records[:base_records]]
    printed = frozenset(r.number for r in base_tickets if r.doc_type == codes.DOC_TICKET)
    return Recording(scenario, flash, witness, provisioned_at, records, board, times, printed)


@functools.cache
def restart_record(parent: Cut) -> Recording | None:
    """Restart on the chip ``parent`` left and ring the next sale, recorded; cached.

    Returns None when that chip cannot boot (cut before provisioning returned).
    """
    image = parent.image(SEED)
    geometry = parent.scenario.geometry
    try:
        survivors = len(journal_records(RamFlash(geometry, image)))
    except JournalError:
        return None
    flash = EmulatedFlash(geometry, image)
    counter = parent.counter_value()
    witness = Witness(flash, survivors, counter_start=counter)
    start = parent.restart_time()
    board = make_board(flash, witness, now=start, counter=counter)
    with watching_appends(witness):
        try:
            terminal = Terminal.boot(board, parent.scenario.config, SIGNER)
        except BootError:
            return None
        ring_next_sale(terminal)
    records = journal_records(RamFlash(geometry, flash.snapshot()))
    printed = frozenset(parent.printed_tickets())
    return Recording(parent.scenario, flash, witness, 0, records, board, [(0, start)], printed)


@dataclass(frozen=True)
class Cut:
    """A power cut: which scenario, after or during which flash operation, which model.

    With a ``parent``, the cut falls in the restart after the parent cut
    (the restart and the next sale, recorded by ``restart_record``).
    """

    scenario: Scenario
    k: int
    model: str
    parent: Cut | None = None

    @property
    def id(self) -> str:
        if self.parent is not None:
            return f"{self.parent.id}+k{self.k}-{self.model}"
        return f"{self.scenario.name}-k{self.k}-{self.model}"

    @property
    def recording(self) -> Recording:
        """Return the run this cut interrupts."""
        if self.parent is None:
            return record(self.scenario)
        rec = restart_record(self.parent)
        if rec is None:
            raise ValueError(f"{self.parent.id} leaves a chip that cannot boot: nothing to cut")
        return rec

    @property
    def completed(self) -> int:
        """Return how many operations were carried out before the cut (k - 1 if k is torn).

        For "unsynced" that is k too, though some may be lost: whatever an
        append that returned wrote was synced, so it is never among them.
        For "in-sync" it is k - 1: what came after op k waited for the sync
        the cut interrupted (an append returns only after its sync).
        """
        return self.k - 1 if self.model in TORN or self.model == MODEL_IN_SYNC else self.k

    def image(self, seed: int) -> bytes:
        flash = self.recording.flash
        if self.model == MODEL_CUT:
            return flash.image_after(self.k)
        if self.model == MODEL_UNSYNCED:
            return flash.image_unsynced(self.k, seed)
        if self.model == MODEL_IN_SYNC:
            return image_in_sync(flash, self.k, seed)
        return flash.image_torn(self.k, TORN[self.model], seed)

    def counter_value(self) -> int:
        """Return the board's counter as the cut leaves it: its last advance before the cut.

        An advance happens between two flash operations. A clean cut after
        op k keeps an advance made right after op k (the same gap: it may
        have come first); the unsynced model, also a cut after op k, takes
        the other order and drops it, so both orders are swept. A torn op k
        keeps the advances made before op k began; so does a cut inside the
        sync after op k (``in-sync``): no append returns before its sync.
        """
        witness = self.recording.witness
        last = self.k if self.model == MODEL_CUT else self.k - 1
        steps = [value for ops, value in witness.counter_steps if ops <= last]
        return steps[-1] if steps else witness.counter_start

    def restart_time(self) -> float:
        """Return the clock when the terminal restarts: a minute after the cut."""
        times = self.recording.times
        return max(now for ops, now in times if ops < self.k) + RESTART_DELAY_S

    def printed_tickets(self) -> set[int]:
        """Return the tickets whose receipt surely printed before the cut.

        A print after op c happened before a cut at k only if c < k (at c == k
        it shares the gap with the cut). The ticket is the last one durable at
        the print: an over-estimate if the print was of another document.
        """
        rec = self.recording
        return set(rec.printed_before) | {
            rec.tickets[a.durable - 1]
            for a in rec.witness.acks
            if a.what.startswith(PRINTED) and a.ops < self.k and a.durable
        }

    def must_survive(self) -> tuple[int, int]:
        """Return (records acknowledged to the world, records whose append returned) by the cut.

        Both count from the start of the journal; the second is never less
        than the first (nothing is acknowledged before its append returns).
        """
        witness = self.recording.witness
        acked = max(
            (a.durable for a in witness.acks if a.ops <= self.completed),
            default=witness.base_records,
        )
        returned = witness.base_records + sum(1 for c in witness.appends if c <= self.completed)
        return acked, returned


def image_in_sync(flash: EmulatedFlash, k: int, seed: int) -> bytes:
    """Return the chip after a cut during the sync that followed op k.

    Every operation since the sync before it (up to and including op k) is
    kept or lost at random, as a write cache or a host's page cache may do
    until the sync returns; a kept program over bytes whose erase was lost
    gives ``old AND data`` (EmulatedFlash.image_unsynced's physics).
    ``image_unsynced`` counts a sync right after op k as returned; this
    model covers the cut before it returned, which is where a littlefs
    commit with few operations per sync can be caught with several pending.
    """
    synced = flash.last_sync(k - 1)
    image = bytearray(flash.image_after(synced))
    rng = random.Random(f"{seed}/{k}/in-sync")
    size = flash.geometry.block_size
    for op in flash.ops[synced:k]:
        if rng.random() >= 0.5:
            continue  # lost
        start = op.block * size + op.off
        if op.kind == OP_ERASE:
            image[start : start + size] = bytes([ERASED_BYTE]) * size
        else:
            end = start + len(op.data)
            image[start:end] = bytes(a & b for a, b in zip(image[start:end], op.data, strict=True))
    return bytes(image)


def inspect(image: bytes, block_size: int, path: Path) -> tuple[int, dict[str, Any]]:
    """Run ``fiscal-inspect verify IMAGE --json`` on ``image``; return its exit code and report."""
    path.write_bytes(image)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = inspect_main(["verify", str(path), "--json", "--block-size", str(block_size)])
    report: dict[str, Any] = json.loads(out.getvalue()) if out.getvalue() else {}
    return code, report


def interesting(rec: Recording, every: int, around: tuple[int, ...] = (-1, 0, 1, 2)) -> list[int]:
    """Return the k of a partial sweep: every ``every``-th, and all k next to an acknowledgement.

    Around each point p where the world learnt something (an append
    returned, a screen, a receipt, a pulse), k = p + d for d in ``around``.
    """
    n = rec.op_count
    points = {a.ops for a in rec.witness.acks} | set(rec.witness.appends) | {rec.provisioned_at}
    near = {p + d for p in points for d in around}
    chosen = {k for k in range(1, n + 1) if k % every == 0 or k in near or k <= 2 or k >= n - 1}
    return sorted(k for k in chosen if 1 <= k <= n)
