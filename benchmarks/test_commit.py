"""Sale commit against its floor, measured in the same run (make bench).

Floor: Ed25519-sign the same record bytes, write them and fsync, straight to
a file. Measured: the terminal's path from a sealed ticket to a durable
journal append on a file-backed flash (sign + a frame programmed on the journal's
log partition + one sync).
The ratio is printed and asserted against nothing here: issue 4 sets its
target (<= 1.5) and writes docs/PERFORMANCE.md.

Printed beside it, to say where the time goes: the same commit followed by
the monotonic counter's advance (the runner's full path: the counter is a
second file, synced after the journal), the floor with two signatures (a
ticket signs its grand-total chain too), and the device syncs per commit.
The four are measured in turns, one round of each at a time, so that each
ratio compares rounds made under the same load on the disk.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from firmware.demo import DEMO_CONFIG
from firmware.journal import Journal
from firmware.provision import provision
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.records import Line, Payment
from hal.counter.file import FileCounter
from hal.flash.file import FileFlash

ROUNDS = 200
LINES = [
    Line("P2", "Baguette", 2, 120, 550),
    Line("P1", "Cafe grain 250g", 1, 450, 550),
    Line("D3", "Bazar", 1, 695, 2000),
]


class CountingFileFlash(FileFlash):
    """FileFlash counting its syncs (each one a device flush of the image) and their time."""

    syncs = 0
    sync_seconds = 0.0

    def _sync(self) -> None:
        start = time.perf_counter()
        super()._sync()
        self.sync_seconds += time.perf_counter() - start
        self.syncs += 1


def _p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def _seal(ledger: Ledger, i: int) -> Sealed:
    return ledger.seal_ticket(
        time_utc=1764064800 + i,
        utc_offset=60,
        operator_id=1,
        lines=LINES,
        payments=[Payment(codes.PAY_CASH, 2000)],
    )


class Floor:
    """The floor: sign ``record`` ``signatures`` times, write it and the signatures, fsync.

    Straight to a plain file opened for appending, one round per call, so
    that the benchmark can interleave it with the commits it is compared
    with: both then meet the same state of the disk's cache and queue.
    """

    def __init__(self, path: Path, signer: Ed25519Signer, signatures: int) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        self.signer, self.signatures = signer, signatures
        self.times: list[float] = []

    def round(self, record: bytes) -> None:
        start = time.perf_counter()
        signature = b"".join(self.signer.sign(record) for _ in range(self.signatures))
        os.write(self.fd, record + signature)
        os.fsync(self.fd)
        self.times.append(time.perf_counter() - start)

    def close(self) -> None:
        os.close(self.fd)


def _ratio(label: str, measured: list[float], floor: list[float]) -> None:
    for name, q in (("p50", 0.5), ("p99", 0.99)):
        measured_us, floor_us = _p(measured, q) * 1e6, _p(floor, q) * 1e6
        print(f"{label} {name}: {measured_us:.0f} us, floor {floor_us:.0f} us", end=" ")
        print(f"ratio {measured_us / floor_us:.2f}")


def test_sale_commit_vs_floor(tmp_path: Path) -> None:
    signer = Ed25519Signer(bytes(range(1, 33)))
    flash = CountingFileFlash.open(tmp_path / "flash.img", create=True)
    journal: Journal = provision(flash, DEMO_CONFIG, signer)
    ledger = Ledger(DEMO_CONFIG.terminal_id, signer)
    opening = ledger.open_period(time_utc=1764064800, utc_offset=60, operator_id=1, cash_float=0)
    journal.append(opening.encoded)
    ledger.accept(opening)
    counter = FileCounter.open(tmp_path / "counter.bin", create=True)

    floor = Floor(tmp_path / "floor.bin", signer, 1)
    floor_two = Floor(tmp_path / "floor2.bin", signer, 2)
    ticket = _seal(ledger, 0).encoded  # the floors write as many bytes as a ticket
    commit: list[float] = []
    with_counter: list[float] = []
    syncs, sync_seconds = 0, 0.0
    # Interleaved, one round of each at a time: a device sync's cost drifts
    # with what else the machine writes, and each ratio compares rounds made
    # side by side rather than one series after another.
    for i in range(ROUNDS):
        syncs_before, sync_seconds_before = flash.syncs, flash.sync_seconds
        start = time.perf_counter()
        sealed = _seal(ledger, 2 * i)
        journal.append(sealed.encoded)
        ledger.accept(sealed)
        commit.append(time.perf_counter() - start)
        measured = sealed.encoded
        syncs += flash.syncs - syncs_before
        sync_seconds += flash.sync_seconds - sync_seconds_before

        start = time.perf_counter()
        sealed = _seal(ledger, 2 * i + 1)
        journal.append(sealed.encoded)
        counter.advance_to(sealed.record.seq)  # as the runner does after each append
        ledger.accept(sealed)
        with_counter.append(time.perf_counter() - start)

        floor.round(ticket)
        floor_two.round(ticket)
    flash_syncs = syncs / ROUNDS
    sync_us = sync_seconds / ROUNDS * 1e6
    for closing in (floor, floor_two, counter, flash):
        closing.close()

    _ratio("sale commit", commit, floor.times)
    _ratio("sale commit + counter", with_counter, floor.times)
    _ratio("sale commit vs floor with 2 signatures", commit, floor_two.times)
    print(
        f"record bytes: {len(measured)}, mean commit {statistics.mean(commit) * 1e6:.0f} us,"
        f" of which {sync_us:.0f} us in {flash_syncs:.2f} flash syncs"
        " (+ 1 counter sync with the counter)"
    )
    assert len(measured) + 6 <= 256  # 3-line ticket, framing included
    assert flash_syncs >= 1  # an append that never reaches the flash's sync is not durable
