"""Archives: ARCHIVE records against their closures, the yearly archive, the files on the flash.

Real archives come from the simulated terminal (``examples/business-day.keys``,
``month-end.keys``) and from the firmware's own builder in ``Till`` (the year
archive of the ``journal`` fixture); an attacker alters, deletes or adds files
through littlefs. A dishonest writer's archives: test_inspect_dishonest_archives.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from simulator.headless import run_headless
from tests.inspect.attack import add_file, remove_file, rewrite_file
from tools.inspect.cli import main
from tools.inspect.decode import DecodeError, decode_record
from tools.inspect.image import read_image

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
VECTOR = Path(__file__).parent.parent / "vectors" / "archive_first.json"
MakeDir = Callable[[bytes], Path]


def run_terminal(data: Path, keys: str, now: datetime | None = None) -> bytes:
    """Return the flash image the simulated terminal leaves after the script ``keys``."""
    script = str(EXAMPLES / keys)
    assert run_headless(data, script, now=now, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    return (data / "flash.img").read_bytes()


@pytest.fixture(scope="module")
def terminal_day(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Return the image of examples/business-day.keys: a day, its closure and its archive."""
    return run_terminal(tmp_path_factory.mktemp("terminal"), "business-day.keys")


@pytest.fixture(scope="module")
def terminal_month(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Return the image of examples/month-end.keys: a day, the month and the month's archive."""
    directory = tmp_path_factory.mktemp("terminal")
    return run_terminal(directory, "month-end.keys", datetime(2025, 11, 30, 9, 0))


def verify_json(capsys: pytest.CaptureFixture[str], directory: Path) -> tuple[int, dict[str, Any]]:
    code = main(["verify", str(directory), "--json"])
    return code, json.loads(capsys.readouterr().out)


def verify_text(capsys: pytest.CaptureFixture[str], directory: Path) -> tuple[int, str]:
    code = main(["verify", str(directory)])
    return code, capsys.readouterr().out


def archive_path(image: bytes) -> str:
    (archive,) = read_image(image).archives or ()
    return f"/fiscal/archives/{archive.name}"


# -- the terminal's archives ------------------------------------------------------------


@pytest.mark.parametrize(
    "source, closure", [("terminal_day", "GT_PERIODE"), ("terminal_month", "GT_MOIS")]
)
def test_terminal_archive_verifies(
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    data_dir: MakeDir,
    source: str,
    closure: str,
) -> None:
    code, out = verify_text(capsys, data_dir(request.getfixturevalue(source)))
    assert code == 0, out
    assert out.rstrip().endswith("INTACT") and "AVERTISSEMENTS" not in out
    assert "Archives : 1 (PERIODE 1, EXERCICE 0) ; fichiers dans /fiscal/archives : 1" in out
    assert f" : {closure} n°1, enregistrements n°1 à n°" in out and ": conforme" in out


@pytest.mark.parametrize("source", ["pristine", "terminal_day"])
def test_altered_archive_file_names_its_archive(
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    data_dir: MakeDir,
    source: str,
) -> None:
    image: bytes = request.getfixturevalue(source)
    path = archive_path(image)

    def flip(data: bytes) -> bytes:
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    directory = data_dir(rewrite_file(image, path, flip))
    code, report = verify_json(capsys, directory)
    assert code == 1
    (archive,) = report["archives"]["records"]
    (finding,) = report["findings"]
    assert (finding["seq"], finding["doc_type"], finding["number"]) == (
        archive["seq"],
        "ARCHIVE",
        1,
    )
    (problem,) = finding["problems"]
    assert problem.startswith(f"fichier d'archive {path} altéré : SHA-256 ")
    assert problem.endswith(f"au lieu de {archive['sha256'][:16]}… (signé)")
    assert archive["file_status"] == "altered"
    code, out = verify_text(capsys, directory)
    assert f"enregistrement n°{archive['seq']} (ARCHIVE n°1) : {problem}" in out
    assert ": altéré" in out


def test_deleted_archive_file_is_a_finding(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir
) -> None:
    path = archive_path(pristine)
    code, report = verify_json(capsys, data_dir(remove_file(pristine, path)))
    assert code == 1
    (finding,) = report["findings"]
    assert finding["doc_type"] == "ARCHIVE"
    assert finding["problems"] == [f"fichier d'archive absent ({path})"]
    assert report["archives"]["records"][0]["file_status"] == "absent"
    assert report["archives"]["files"] == []


def test_file_that_no_archive_names_is_a_warning(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir
) -> None:
    stray = "/fiscal/archives/GT_PERIODE-000002-2025-12-31.zip.new"
    directory = data_dir(add_file(pristine, stray, b"PK\x03\x04 interrupted"))
    code, out = verify_text(capsys, directory)
    assert code == 0
    warning = f"{stray} : fichier qu'aucun enregistrement ARCHIVE ne nomme"
    assert f"AVERTISSEMENTS : 1\n{warning}\n\nINTACT" in out
    code, report = verify_json(capsys, directory)
    assert code == 0 and report["intact"] is True and report["warnings"] == [warning]
    assert [f["named"] for f in report["archives"]["files"]] == [True, False]


def test_archive_body_is_decoded_strictly() -> None:
    raw = bytes.fromhex(json.loads(VECTOR.read_text())["record_cbor_hex"])
    digest_at = raw.index(b"\x58\x20") + 2
    short = raw[: digest_at - 1] + b"\x1f" + raw[digest_at : digest_at + 31] + raw[digest_at + 32 :]
    with pytest.raises(DecodeError, match="empreinte du fichier d'archive : 32 octets attendus"):
        decode_record(short)
