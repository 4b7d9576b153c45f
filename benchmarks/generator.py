"""A deterministic fiscal journal of any length, sealed by the fiscal core, for benchmarks.

The workload is a shop's life from T0 (2025-01-06, a Monday): each business
day is a start-up, a log-in, a cash float, ``sales_per_day`` sales (two
VAT rates, cash with change or card) and a daily closure; the month is
closed after its last day, and the fiscal year (calendar year) closed and
archived after its last month, as the terminal would. The key and every
amount derive from ``seed``: the same (count, seed, sales_per_day) gives
the same bytes, record for record, on every machine.

``Workload.records(count)`` yields exactly ``count`` encoded records (the
last day may stay open). ``cached_frames`` keeps them framed as on flash
(firmware/journal.py: u16 length, record, CRC-32) in a cache file, so
that a 1,000,000-record run pays for the signing once per machine:

    .venv/bin/python -m benchmarks.generator 1000000   # builds the cache
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from firmware.journal import encode_frame, iter_frames
from fiscal_core import codes
from fiscal_core.civil import local_day, month_label
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.periods import fiscal_year_label
from fiscal_core.records import Line, Payment

TERMINAL_ID = "BENCH-0001"
T0 = 1736150400  # 2025-01-06 08:00:00 UTC
UTC_OFFSET = 60  # minutes
DAY = 86400
SALES_PER_DAY = 1000
SALE_SPACING = 15  # seconds between two sales: 1,000 sales fit in a business day
GENERATOR_VERSION = 3  # in the cache file name: bump when the workload or the record bytes change
CACHE_DIR = Path(os.environ.get("BENCH_CACHE", Path(__file__).resolve().parent.parent / ".bench"))


class Workload:
    """Seals the shop's records in order; see the module docstring."""

    def __init__(self, seed: int = 0, sales_per_day: int = SALES_PER_DAY) -> None:
        self.seed = seed
        self.sales_per_day = sales_per_day
        key = hashlib.sha256(b"fiscal-bench-key" + seed.to_bytes(8, "big")).digest()
        self.signer = Ed25519Signer(key)
        self.ledger = Ledger(TERMINAL_ID, self.signer)
        self._random = random.Random(seed)

    def identity(self) -> bytes:
        """Return the identity file the journal starts with (terminal id, public key)."""
        return Identity(TERMINAL_ID, self.signer.public_key).encode()

    def records(self, count: int) -> Iterator[bytes]:
        """Yield exactly ``count`` encoded records, in journal order."""
        if count <= 0:
            return
        for made, sealed in enumerate(self._life(), start=1):
            self.ledger.accept(sealed)
            yield sealed.encoded
            if made == count:
                return

    def _life(self) -> Iterator[Sealed]:
        day = 0
        while True:
            morning = T0 + day * DAY
            yield from self._closures_before(morning)
            yield self._jet(morning, codes.JET_START, "demarrage", operator_id=0)
            yield self._jet(morning + 1, codes.JET_LOGIN, "Camille")
            yield self.ledger.open_period(**self._at(morning + 2), cash_float=15000)
            for n in range(self.sales_per_day):
                yield self._sale(morning + 3 + n * SALE_SPACING)
            evening = morning + 3 + self.sales_per_day * SALE_SPACING
            yield self.ledger.seal_closure(doc_type=codes.DOC_GT_PERIOD, **self._at(evening))
            day += 1

    def _closures_before(self, morning: int) -> Iterator[Sealed]:
        """Close the month (and the year, then archive it) when ``morning`` starts a new one."""
        state = self.ledger.state
        today = local_day(morning, UTC_OFFSET)
        if not state.month_days or month_label(today) == state.month_label:
            return
        yield self.ledger.seal_closure(doc_type=codes.DOC_GT_MONTH, **self._at(morning - 3))
        closed_year = state.year_label  # read before the year closure is accepted: it resets it
        if fiscal_year_label(today, state.fiscal_year_start_month) == closed_year:
            return
        year = self.ledger.seal_closure(doc_type=codes.DOC_GT_YEAR, **self._at(morning - 2))
        yield year
        name = f"{TERMINAL_ID}-{closed_year}.zip"
        yield self.ledger.seal_archive(
            **self._at(morning - 1),
            closure=year.record,
            file_name=name,
            file_digest=hashlib.sha256(name.encode()).digest(),
        )

    def _sale(self, when: int) -> Sealed:
        pick = self._random.randrange
        lines = [Line("P2", "Baguette", 1 + pick(3), 120, 550)]
        if pick(2):
            lines.append(Line("D3", "Bazar, divers", 1, 695 + pick(50), 2000))
        if not pick(4):
            lines.append(Line("C1", "Croissant", 2, 115, 550))
        total = sum(line.total for line in lines)
        if pick(2):
            payments = [Payment(codes.PAY_CASH, total + 500 - total % 500)]
        else:
            payments = [Payment(codes.PAY_CARD, total)]
        return self.ledger.seal_ticket(**self._at(when), lines=lines, payments=payments)

    def _jet(self, when: int, code: int, text: str, operator_id: int = 1) -> Sealed:
        at = self._at(when)
        at["operator_id"] = operator_id
        return self.ledger.seal_jet(**at, code=code, text=text)

    @staticmethod
    def _at(when: int) -> dict[str, int]:
        return {"time_utc": when, "utc_offset": UTC_OFFSET, "operator_id": 1}


def cached_frames(count: int, seed: int = 0, sales_per_day: int = SALES_PER_DAY) -> Path:
    """Return a cache file of the ``count`` records framed as on flash, built once."""
    name = f"journal-v{GENERATOR_VERSION}-{count}-{seed}-{sales_per_day}.frames"
    path = CACHE_DIR / name
    if path.exists():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        for record in Workload(seed, sales_per_day).records(count):
            out.write(encode_frame(record))
    partial.rename(path)
    return path


def read_frames(path: Path) -> Iterator[bytes]:
    """Yield the records of a ``cached_frames`` file, each frame's CRC checked."""
    yield from iter_frames(str(path), path.read_bytes())


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000000"]:
        print(cached_frames(int(arg)))
