"""fiscal-flash backup / restore and the keypad's functions on a real data directory.

The technician's case end to end: the terminal backs up, its flash is
replaced by a blank one, the restore brings every record back, the
terminal boots, the inspector's tool says intact, and sales go on with no
gap. Refusals are journaled on the target and restore nothing.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from firmware.journal import RESTORE_PATH, Journal
from fiscal_core import codes
from fiscal_core.records import JetBody, Record
from hal.flash.file import FileFlash
from simulator.headless import run_headless
from tools.flash.cli import main as flash_main
from tools.inspect.cli import main as inspect_main

EXAMPLES = Path(__file__).parents[2] / "examples"
CONFIG = {
    "admin": {"id": 4, "name": "Alix", "pin": "4444", "role": "admin"},
}


def run(data: Path, keys: str, tmp_path: Path) -> str:
    script = tmp_path / "script.keys"
    script.write_text(keys)
    out = io.StringIO()
    assert run_headless(data, str(script), stdout=out, stderr=io.StringIO()) == 0
    return out.getvalue()


def records(data: Path) -> list[bytes]:
    with FileFlash.open(data / "flash.img") as flash:
        return list(Journal.mount(flash).records())


def jets(data: Path) -> list[JetBody]:
    bodies = [Record.decode(raw).body for raw in records(data)]
    return [b for b in bodies if isinstance(b, JetBody)]


def verify(data: Path) -> dict[str, object]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert inspect_main(["verify", str(data), "--json"]) == 0
    report: dict[str, object] = json.loads(out.getvalue())
    return report


def test_a_replaced_flash_is_restored_from_the_technicians_backup(tmp_path: Path) -> None:
    data = tmp_path / "sim"
    run(data, (EXAMPLES / "sale.keys").read_text(), tmp_path)
    out = tmp_path / "copie.zip"
    assert flash_main(["backup", "--data", str(data), "--out", str(out)]) == 0
    saved = records(data)
    assert Record.decode(saved[-1]).body.code == codes.JET_BACKUP  # type: ignore[union-attr]
    (data / "flash.img").rename(tmp_path / "dead-flash.img")  # the flash failed
    said = io.StringIO()
    with redirect_stderr(said):  # without --new-flash: told what to do, nothing written
        assert flash_main(["restore", "--data", str(data), "--backup", str(out)]) == 1
    assert "run again with --new-flash" in said.getvalue()
    assert not (data / "flash.img").exists()
    assert flash_main(["restore", "--data", str(data), "--backup", str(out), "--new-flash"]) == 0
    restored = records(data)
    assert restored[:-1] == saved
    assert jets(data)[-1].code == codes.JET_RESTORE_DONE
    with FileFlash.open(data / "flash.img") as flash:
        assert Journal.mount(flash).read_file(RESTORE_PATH) is None
    transcript = run(data, "1 ENTER 1234 ENTER 10 PLU CASH", tmp_path)
    assert "TICKET 2 OK" in transcript  # the next number, no gap
    report = verify(data)
    assert report["intact"] is True


def test_a_restore_on_a_terminal_that_went_on_is_refused_and_journaled(tmp_path: Path) -> None:
    data = tmp_path / "sim"
    run(data, (EXAMPLES / "sale.keys").read_text(), tmp_path)
    out = tmp_path / "copie.zip"
    assert flash_main(["backup", "--data", str(data), "--out", str(out)]) == 0
    run(data, "1 ENTER 1234 ENTER 10 PLU CASH", tmp_path)  # records after the backup
    before = records(data)
    err = io.StringIO()
    with redirect_stderr(err):
        assert flash_main(["restore", "--data", str(data), "--backup", str(out)]) == 1
    assert "sauvegarde perimee" in err.getvalue()
    after = records(data)
    assert after[:-1] == before
    refusal = jets(data)[-1]
    assert refusal.code == codes.JET_RESTORE_REFUSED and "COUNTER_MISMATCH" in refusal.text
    assert verify(data)["intact"] is True


def test_the_keypad_backs_up_to_the_usb_folder_then_a_restore_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "sim"
    data.mkdir()
    config = json.loads(_flash_out(["default-config"]))
    config["operators"].append(CONFIG["admin"])
    (data / "config.json").write_text(json.dumps(config))
    (data / "usb").mkdir()  # the stick is plugged in
    transcript = run(
        data,
        "4 ENTER 4444 ENTER 15000 ENTER 10 PLU CASH 18 FUNC LOGOUT "
        "4 ENTER 4444 ENTER 19 FUNC ENTER",
        tmp_path,
    )
    (name,) = [p.name for p in (data / "usb").iterdir()]
    assert name.startswith("SAUVEGARDE-") and name.endswith(".zip")
    assert "SAUVEGARDE FAITE" in transcript
    assert "RESTAURATION REFUSEE" in transcript and "COUNTER_MISMATCH" in transcript
    found = [j.code for j in jets(data) if j.code >= codes.JET_BACKUP]
    assert found == [codes.JET_BACKUP, codes.JET_RESTORE_REFUSED]
    assert verify(data)["intact"] is True


def _flash_out(argv: list[str]) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert flash_main(argv) == 0
    return out.getvalue()
