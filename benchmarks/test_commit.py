"""Sale commit against its floor, measured in the same run (make bench).

Floor: Ed25519-sign the same record bytes, write them and fsync, straight to
a file. Measured: the terminal's path from a sealed ticket to a durable
journal append on a file-backed flash (sign + littlefs append + fsync).
The ratio is printed and asserted against nothing here: issue 4 sets its
target (<= 1.5) and writes docs/PERFORMANCE.md.
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
from fiscal_core.ledger import Ledger
from fiscal_core.records import Line, Payment
from hal.flash.file import FileFlash

ROUNDS = 200
LINES = [
    Line("P2", "Baguette", 2, 120, 550),
    Line("P1", "Cafe grain 250g", 1, 450, 550),
    Line("D3", "Bazar", 1, 695, 2000),
]


def _p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def test_sale_commit_vs_floor(tmp_path: Path) -> None:
    signer = Ed25519Signer(bytes(range(1, 33)))
    flash = FileFlash.open(tmp_path / "flash.img", create=True)
    journal: Journal = provision(flash, DEMO_CONFIG, signer)
    ledger = Ledger(DEMO_CONFIG.terminal_id, signer)
    opening = ledger.open_period(time_utc=1764064800, utc_offset=60, operator_id=1, cash_float=0)
    journal.append(opening.encoded)
    ledger.accept(opening)

    commit: list[float] = []
    for i in range(ROUNDS):
        start = time.perf_counter()
        sealed = ledger.seal_ticket(
            time_utc=1764064800 + i,
            utc_offset=60,
            operator_id=1,
            lines=LINES,
            payments=[Payment(codes.PAY_CASH, 2000)],
        )
        journal.append(sealed.encoded)
        ledger.accept(sealed)
        commit.append(time.perf_counter() - start)

    floor: list[float] = []
    fd = os.open(tmp_path / "floor.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for _ in range(ROUNDS):
            start = time.perf_counter()
            signature = signer.sign(sealed.encoded)
            os.write(fd, sealed.encoded + signature)
            os.fsync(fd)
            floor.append(time.perf_counter() - start)
    finally:
        os.close(fd)
    flash.close()

    for name, q in (("p50", 0.5), ("p99", 0.99)):
        measured_us, floor_us = _p(commit, q) * 1e6, _p(floor, q) * 1e6
        print(f"sale commit {name}: {measured_us:.0f} us, floor {floor_us:.0f} us", end=" ")
        print(f"ratio {measured_us / floor_us:.2f}")
    print(
        f"record bytes: {len(sealed.encoded)}, mean commit {statistics.mean(commit) * 1e6:.0f} us"
    )
    assert len(sealed.encoded) + 6 <= 256  # 3-line ticket, framing included
