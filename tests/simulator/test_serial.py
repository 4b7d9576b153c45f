"""The simulator serves the inspection link on a real pty; fiscal-inspect dumps it."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from firmware.journal import Journal
from fiscal_core import codes
from fiscal_core.records import JetBody, Record
from hal.flash.file import FileFlash
from hal.serial.pty_link import PtyLink
from simulator.cli import main as sim_main
from simulator.headless import run_headless
from tools.inspect.cli import main as inspect_main
from tools.inspect.dump import load_dump

DAY_KEYS = Path(__file__).parents[2] / "examples" / "day.keys"


def test_a_dump_over_a_pty_copies_the_journal_and_is_journaled(tmp_path: Path) -> None:
    data, copy = tmp_path / "sim", tmp_path / "copy"
    link = PtyLink()
    codes_seen: list[int] = []

    def terminal() -> None:
        code = run_headless(
            data,
            str(DAY_KEYS),
            serial=link,
            serve_seconds=4.0,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        codes_seen.append(code)

    worker = threading.Thread(target=terminal)
    worker.start()
    try:
        assert inspect_main(["dump", "-p", link.path, "-o", str(copy)]) == 0
    finally:
        worker.join(10)
        link.close()
    assert codes_seen == [0]
    with FileFlash.open(data / "flash.img") as flash:
        journal = Journal.mount(flash)
        on_flash = b"".join(journal._segment(path) for path in journal.segments())
        jets = [
            r.body.code
            for r in map(Record.decode, journal.records())
            if isinstance(r.body, JetBody)
        ]
    dumped = b"".join(segment.data for segment in load_dump(copy).segments)
    assert dumped and on_flash.startswith(dumped)  # records made after the dump may follow
    assert codes.JET_INSPECTION_OPEN in jets and codes.JET_INSPECTION_HEAD in jets


def test_serve_needs_headless(capsys: object) -> None:
    assert sim_main(["--serve", "3"]) == 2
