"""fiscal-flash release-alarm: a technician's release, journaled, after a shortened journal."""

from __future__ import annotations

import io
from pathlib import Path

from firmware.journal import Journal
from fiscal_core import codes
from fiscal_core.records import JetBody, Record
from hal.counter.file import FileCounter
from hal.flash.file import FileFlash
from simulator.datadir import DataDir
from simulator.headless import run_headless
from simulator.session import Session
from tools.flash.cli import main as flash_main
from tools.inspect.cli import main as inspect_main

EXAMPLES = Path(__file__).parents[2] / "examples"


def run(data: Path, script: str) -> str:
    out = io.StringIO()
    assert run_headless(data, script, stdout=out, stderr=io.StringIO()) == 0
    return out.getvalue()


def jets(data: Path) -> list[JetBody]:
    with FileFlash.open(data / "flash.img") as flash:
        bodies = [Record.decode(raw).body for raw in Journal.mount(flash).records()]
    return [b for b in bodies if isinstance(b, JetBody)]


def test_a_release_is_journaled_and_the_terminal_works_again(tmp_path: Path) -> None:
    data = tmp_path / "sim"
    run(data, str(EXAMPLES / "sale.keys"))
    with FileCounter.open(data / "counter.bin") as counter:  # as if 3 records were removed
        counter.advance_to(counter.value() + 3)
    with Session.start(DataDir(data)) as session:
        assert session.display.lines[0].strip() == "ERREUR INTEGRITE"
    assert (
        flash_main(
            [
                "release-alarm",
                "--data",
                str(data),
                "--technician",
                "T. Martin",
                "--reason",
                "journal raccourci constate, rapport 42",
            ]
        )
        == 0
    )
    released = jets(data)[-1]
    assert released.code == codes.JET_INTEGRITY_CLEARED
    assert released.text == "alarme levee par T. Martin: journal raccourci constate, rapport 42"
    with Session.start(DataDir(data)) as session:
        assert session.display.lines[0].strip() == "OPERATEUR ?"
    script = tmp_path / "again.keys"
    script.write_text("1 ENTER 1234 ENTER 10 PLU CASH\n")  # the period is still open
    assert "TICKET 2 OK" in run(data, str(script))  # sales again, numbering continued
    assert inspect_main(["verify", str(data)]) == 0


def test_nothing_to_release_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "sim"
    run(data, str(EXAMPLES / "sale.keys"))
    before = (data / "flash.img").read_bytes()
    assert (
        flash_main(
            ["release-alarm", "--data", str(data), "--technician", "T. Martin", "--reason", "essai"]
        )
        == 1
    )
    assert (data / "flash.img").read_bytes() == before


def test_a_copy_after_a_release_verifies_with_the_counter_offset(tmp_path: Path) -> None:
    import threading

    from hal.serial.pty_link import PtyLink

    data, copy = tmp_path / "sim", tmp_path / "copy"
    run(data, str(EXAMPLES / "sale.keys"))
    with FileCounter.open(data / "counter.bin") as counter:  # as if 10 records were removed
        counter.advance_to(counter.value() + 10)
    Session.start(DataDir(data)).close()  # the start-up finds it: JET 90
    assert (
        flash_main(
            [
                "release-alarm",
                "--data",
                str(data),
                "--technician",
                "T. Martin",
                "--reason",
                "rapport 42",
            ]
        )
        == 0
    )
    script = tmp_path / "again.keys"
    script.write_text("1 ENTER 1234 ENTER 10 PLU CASH\n")
    link = PtyLink()
    codes_seen: list[int] = []
    worker = threading.Thread(
        target=lambda: codes_seen.append(
            run_headless(
                data,
                str(script),
                serial=link,
                serve_seconds=4.0,
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        )
    )
    worker.start()
    try:
        assert inspect_main(["dump", "-p", link.path, "-o", str(copy)]) == 0
    finally:
        worker.join(10)
        link.close()
    assert codes_seen == [0]
    assert inspect_main(["verify", str(copy)]) == 0  # the JET 90 / 91 pair explains the counter
