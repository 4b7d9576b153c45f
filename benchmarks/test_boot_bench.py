"""Boot to ready and resident memory, 1,000,000 records against 1,000 (make bench).

Both images come from benchmarks/images.py (each holds its signed
checkpoint, as every terminal's flash does after its first start). A
working copy of each is booted once (the first start journals the initial
configuration: not counted), then each round boots the terminal again on
each copy, in a fresh Python process, and reads there the time of
``Terminal.boot`` (mount, checkpoint, tail, start-up records, self-test,
new checkpoint) and the process's peak resident memory (ru_maxrss).
Rounds alternate the two images, so a busy machine slows both alike.

Targets (issue "fiscal memory", "Boot and scale"): boot time with 1 M
records / with 1 k records <= 2, peak memory <= 1.2. The ratios are printed;
docs/PERFORMANCE.md records them.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.generator import DAY, SALES_PER_DAY, T0
from benchmarks.images import COUNTER_FILE, FLASH_FILE, boot_image

ROUNDS = 5
SMALL, LARGE = 1_000, 1_000_000
PROBE = """
import json, resource, sys, time
from pathlib import Path
from benchmarks.images import boot
start = time.perf_counter()
terminal = boot(Path(sys.argv[1]), int(sys.argv[2]))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps([seconds, peak, terminal.ledger.state.seq, terminal.board.display.text[0]]))
"""


def working_copy(count: int, tmp_path: Path) -> Path:
    image = boot_image(count)
    copy = tmp_path / f"boot-{count}"
    copy.mkdir()
    for name in (FLASH_FILE, COUNTER_FILE):
        shutil.copyfile(image / name, copy / name)
    return copy


def boot_once(directory: Path, now: int) -> tuple[float, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(directory), str(now)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    seconds, peak_kib, seq, shown = json.loads(out.splitlines()[-1])
    assert shown == "OPERATEUR ?", shown  # ready for a log-in: nothing halted the boot
    return seconds, peak_kib, seq


def morning_after(count: int) -> int:
    """Return a time a day or two after the generator's ``count``-th record.

    Each generated day holds at least SALES_PER_DAY + 4 records, so the last
    one falls on day count // (SALES_PER_DAY + 4) at the latest. A later
    start would be a clock step waiting for a manager (firmware/clock_watch.py).
    """
    return T0 + (count // (SALES_PER_DAY + 4) + 2) * DAY


def test_boot_time_and_memory_do_not_grow_with_the_journal(tmp_path: Path) -> None:
    copies = {count: working_copy(count, tmp_path) for count in (SMALL, LARGE)}
    times: dict[int, list[float]] = {SMALL: [], LARGE: []}
    peaks: dict[int, list[int]] = {SMALL: [], LARGE: []}
    for count in (SMALL, LARGE):  # the first start acknowledges the configuration: not counted
        boot_once(copies[count], morning_after(count) - 60)
    for round_ in range(ROUNDS):
        for count in (SMALL, LARGE):
            now = morning_after(count) + round_ * 60  # each boot adds its start-up records
            seconds, peak, seq = boot_once(copies[count], now)
            assert seq > count
            times[count].append(seconds)
            peaks[count].append(peak)
    time_ratio = statistics.median(times[LARGE]) / statistics.median(times[SMALL])
    memory_ratio = max(peaks[LARGE]) / max(peaks[SMALL])
    print(
        f"\nboot to ready: {statistics.median(times[SMALL]) * 1000:.0f} ms with {SMALL:,} records, "
        f"{statistics.median(times[LARGE]) * 1000:.0f} ms with {LARGE:,}: ratio {time_ratio:.2f} "
        f"(target <= 2)\npeak resident memory: {max(peaks[SMALL]) / 1024:.1f} MiB, "
        f"{max(peaks[LARGE]) / 1024:.1f} MiB: ratio {memory_ratio:.2f} (target <= 1.2)"
    )
    assert time_ratio > 0 and memory_ratio > 0
