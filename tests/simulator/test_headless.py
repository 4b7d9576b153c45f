"""``fiscal-sim --headless``: scripts in, receipts and a transcript out, damaged data refused."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from firmware.version import SOFTWARE_NAME, SOFTWARE_VERSION
from fiscal_core.ed25519 import Ed25519Signer
from simulator.headless import run_headless
from tests.simulator.conftest import RunCli
from tests.simulator.helpers import (
    DAY_KEYS,
    SALE_KEYS,
    digest,
    flip_bytes,
    live_record_copies,
)

MANDATORY = (
    "SIRET 12345678200017",
    "FR32123456782",
    "TOTAL",
    "Signature : ",
    f"{SOFTWARE_NAME} {SOFTWARE_VERSION}",
)


def receipts_in(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "receipts").iterdir())


def test_sale_script_prints_one_receipt_with_the_mandatory_mentions(
    run_cli: RunCli, data_dir: Path
) -> None:
    result = run_cli("--headless", "--data", str(data_dir), "--keys", str(SALE_KEYS))
    assert result.code == 0, result.err
    assert receipts_in(data_dir) == ["000001.bin", "000001.txt"]
    text = (data_dir / "receipts" / "000001.txt").read_text(encoding="utf-8")
    for mention in MANDATORY:
        assert mention in text
    signature_line = next(line for line in text.splitlines() if line.startswith("Signature : "))
    assert len(signature_line.removeprefix("Signature : ").strip()) == 4
    assert "13,85" in text
    assert (data_dir / "receipts" / "000001.bin").read_bytes().startswith(b"\x1b@")
    assert "[RENDU           6,15] [TICKET 1 OK         ]" in result.out
    assert "drawer opened" in result.out


def test_day_script_prints_three_receipts_and_a_second_run_continues(
    run_cli: RunCli, data_dir: Path
) -> None:
    first = run_cli("--headless", "--quiet", "--data", str(data_dir), "--keys", str(DAY_KEYS))
    assert first.code == 0, first.err
    assert first.out == ""
    # sales 1, 2 and 4 (sale 3 is abandoned), the X report and the Z
    assert len(receipts_in(data_dir)) == 10
    second = run_cli("--headless", "--quiet", "--data", str(data_dir), "--keys", str(SALE_KEYS))
    assert second.code == 0, second.err
    assert receipts_in(data_dir)[-2:] == ["000006.bin", "000006.txt"]
    sixth = (data_dir / "receipts" / "000006.txt").read_text(encoding="utf-8")
    assert "N° 000004" in sixth  # the journal's ticket numbers carry on too


def test_unknown_key_names_file_and_line_and_touches_nothing(
    run_cli: RunCli, data_dir: Path, tmp_path: Path
) -> None:
    script = tmp_path / "typo.keys"
    script.write_text("1 ENTER 1234 ENTER\n2 PLU\nCHASH\n")
    result = run_cli("--headless", "--data", str(data_dir), "--keys", str(script))
    assert result.code == 2
    assert f"{script}:3" in result.err
    assert "'CHASH'" in result.err
    assert not data_dir.exists()


def test_missing_script_is_a_usage_error(run_cli: RunCli, data_dir: Path) -> None:
    result = run_cli("--headless", "--data", str(data_dir), "--keys", str(data_dir / "none"))
    assert result.code == 2
    assert "cannot read the key script" in result.err
    assert not data_dir.exists()


def test_keys_from_stdin(run_cli: RunCli, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(SALE_KEYS.read_text()))
    result = run_cli("--headless", "--data", str(data_dir), "--keys", "-")
    assert result.code == 0, result.err
    assert receipts_in(data_dir) == ["000001.bin", "000001.txt"]


def test_corrupted_journal_record_stops_the_boot_and_is_not_touched(
    run_cli: RunCli, data_dir: Path
) -> None:
    assert run_cli("--headless", "--data", str(data_dir), "--keys", str(SALE_KEYS)).code == 0
    image_path = data_dir / "flash.img"
    image = bytearray(image_path.read_bytes())
    copies = live_record_copies(bytes(image))
    for offset in copies:
        flip_bytes(image, offset + 40)
    image_path.write_bytes(image)
    before = digest(image_path)
    result = run_cli("--headless", "--data", str(data_dir), "--keys", str(SALE_KEYS))
    assert result.code == 1
    assert "cannot start" in result.err
    assert "CORRUPT" in result.err
    assert result.out == ""
    assert digest(image_path) == before
    assert receipts_in(data_dir) == ["000001.bin", "000001.txt"]


def test_destroyed_filesystem_stops_the_boot(run_cli: RunCli, data_dir: Path) -> None:
    assert (
        run_cli("--headless", "--quiet", "--data", str(data_dir), "--keys", str(SALE_KEYS)).code
        == 0
    )
    image_path = data_dir / "flash.img"
    image = bytearray(image_path.read_bytes())
    for block in (0, 1):  # both copies of the littlefs superblock
        flip_bytes(image, block * 4096 + 8, 32)
    image_path.write_bytes(image)
    before = digest(image_path)
    result = run_cli("--headless", "--data", str(data_dir), "--keys", str(SALE_KEYS))
    assert result.code == 1
    assert "NO_FILESYSTEM" in result.err
    assert digest(image_path) == before


def test_truncated_image_is_refused(run_cli: RunCli, data_dir: Path) -> None:
    assert (
        run_cli("--headless", "--quiet", "--data", str(data_dir), "--keys", str(SALE_KEYS)).code
        == 0
    )
    image_path = data_dir / "flash.img"
    image = image_path.read_bytes()
    image_path.write_bytes(image[: len(image) // 2])
    result = run_cli("--headless", "--data", str(data_dir), "--keys", str(SALE_KEYS))
    assert result.code == 1
    assert "BAD_FLASH" in result.err
    assert image_path.read_bytes() == image[: len(image) // 2]


def test_another_terminals_key_is_refused(run_cli: RunCli, data_dir: Path) -> None:
    assert (
        run_cli("--headless", "--quiet", "--data", str(data_dir), "--keys", str(SALE_KEYS)).code
        == 0
    )
    image_path = data_dir / "flash.img"
    before = digest(image_path)
    (data_dir / "terminal.key").write_bytes(Ed25519Signer.generate().seed)
    result = run_cli("--headless", "--data", str(data_dir), "--keys", str(SALE_KEYS))
    assert result.code == 1
    assert "KEY_MISMATCH" in result.err
    assert digest(image_path) == before


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert SOFTWARE_VERSION in result.out


@pytest.mark.parametrize(
    "argv",
    [("--headless",), ("--keys", "x.keys"), ("--quiet",), ("--bogus",)],
)
def test_usage_errors(run_cli: RunCli, argv: tuple[str, ...], data_dir: Path) -> None:
    result = run_cli("--data", str(data_dir), *argv)
    assert result.code == 2
    assert "usage:" in result.err
    assert not data_dir.exists()


def test_entry_point_reads_keys_from_a_pipe(data_dir: Path) -> None:
    code = "import sys; from simulator.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "--headless", "--data", str(data_dir), "--keys", "-"],
        input=SALE_KEYS.read_text(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "TICKET 1 OK" in done.stdout
    assert receipts_in(data_dir) == ["000001.bin", "000001.txt"]


class ClosedPipe(io.StringIO):
    """A stdout whose reader went away after the first line (like ``| head -1``)."""

    def write(self, text: str) -> int:
        if self.getvalue():
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_a_closed_stdout_ends_the_transcript_but_not_the_run(data_dir: Path) -> None:
    stdout = ClosedPipe()
    code = run_headless(data_dir, str(DAY_KEYS), stdout=stdout, stderr=io.StringIO())
    assert code == 0
    assert stdout.getvalue().startswith("(boot)")
    assert receipts_in(data_dir)[-1] == "000005.txt"  # 3 sales, the X report, the Z
