"""fiscal-inspect verify on a copy made by fiscal-inspect dump: archives and head statement.

A real copy (the simulator's business day dumped over a pty, ``business_copy``)
verifies intact; synthetic copies of the ``journal`` fixture carry head
statements signed with the terminal's key by fiscal_core, to play a terminal
whose statement disagrees with the copy.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest

from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.head import HeadStatement
from tests.inspect.conftest import NONCE
from tests.inspect.journals import SEED, TERMINAL_ID, write_journal
from tools.inspect.cli import main
from tools.inspect.dump import load_dump
from tools.inspect.image import read_image
from tools.inspect.verify import verify

STATED = bytes(range(16, 48))  # the nonce of the synthetic copies


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["verify", *args])
    return code, capsys.readouterr().out


def run_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    code, out = run(capsys, str(path), "--json")
    return code, json.loads(out)


def frames(data: bytes) -> list[bytes]:
    """Return the frames of a journal segment, end to end."""
    found, offset = [], 0
    while offset < len(data):
        end = offset + struct.unpack_from(">H", data, offset)[0] + 6
        found.append(data[offset:end])
        offset = end
    return found


def write_segments(copy: Path, segments: list[bytes], former: bool = False) -> None:
    """Write a copy's journal: ``segments.bin`` and ``segments.idx``, or (``former``) the
    layout of the copies made before them, a file per segment."""
    journal = copy / "journal"
    shutil.rmtree(journal, ignore_errors=True)
    journal.mkdir(parents=True)
    if former:
        for index, data in enumerate(segments, 1):
            (journal / f"{index:08d}.log").write_bytes(data)
        return
    (journal / "segments.bin").write_bytes(b"".join(segments))
    lengths = b"".join(len(data).to_bytes(4, "big") for data in segments[:-1])
    (journal / "segments.idx").write_bytes(lengths)


def drop_last(copy: Path, count: int) -> None:
    """Remove the last ``count`` records of the copy's journal, as someone editing it would."""
    segments = [s.data for s in load_dump(copy).segments]
    while count:
        kept = frames(segments[-1])[:-count]
        count -= len(frames(segments[-1])) - len(kept)
        segments[-1] = b"".join(kept)
        if not kept:
            segments.pop()
    write_segments(copy, segments)


@pytest.fixture
def real_copy(business_copy: tuple[Path, Path], tmp_path: Path) -> Path:
    shutil.copytree(business_copy[1], tmp_path / "copy")
    return tmp_path / "copy"


def test_a_real_copy_verifies_with_its_archives_and_head_statement(
    capsys: pytest.CaptureFixture[str], business_copy: tuple[Path, Path]
) -> None:
    copy = business_copy[1]
    code, out = run(capsys, str(copy))
    assert code == 0 and out.rstrip().endswith("INTACT")
    assert f"Copie : {copy} (faite par la liaison série, fiscal-inspect dump)" in out
    assert f"; fichiers dans {copy}/archives : 1" in out and ": conforme" in out
    assert ", signature valide, aléa de la copie" in out
    assert "égal au nombre d'enregistrements déclarés" in out
    code, report = run_json(capsys, copy)
    head = report["head"]
    assert code == 0 and report["copy"] is True and head["problems"] == []
    assert head["signature_valid"] and head["nonce_matches"]
    assert head["statement"]["nonce"] == NONCE and head["statement"]["terminal_id"] == "DEMO-0001"
    seq = head["statement"]["seq"]
    assert head["statement"]["counter"] == seq and head["counter_status"] == "equal"
    # JET 231 (head statement taken) is sealed after the statement, and copied after it
    assert head["copied"] == report["last"]["seq"] == seq + head["after"] and head["after"] >= 1
    assert report["archives"]["records"][0]["file_status"] == "ok"


def test_an_image_has_no_head_statement_and_that_is_no_finding(
    capsys: pytest.CaptureFixture[str], business_copy: tuple[Path, Path]
) -> None:
    code, out = run(capsys, str(business_copy[0]))
    assert code == 0 and out.rstrip().endswith("INTACT")
    assert "Déclaration de tête : aucune (une image de la mémoire n'en contient pas" in out
    code, report = run_json(capsys, business_copy[0])
    assert (code, report["copy"], report["head"]) == (0, False, None)


def test_a_shortened_real_copy_is_caught(
    capsys: pytest.CaptureFixture[str], real_copy: Path
) -> None:
    _, report = run_json(capsys, real_copy)
    seq, copied = report["head"]["statement"]["seq"], report["head"]["copied"]
    drop_last(real_copy, copied - seq + 2)  # the statement's last record and the one before
    code, out = run(capsys, str(real_copy))
    assert code == 1
    assert (
        f"déclaration de tête : copie raccourcie : elle s'arrête à l'enregistrement n°{seq - 2}, "
        f"la déclaration de tête en annonce {seq}"
    ) in out
    assert f"copie : {seq - 2} (RACCOURCIE)" in out


def test_a_statement_asked_over_another_nonce_is_caught(
    capsys: pytest.CaptureFixture[str], real_copy: Path
) -> None:
    (real_copy / "head.nonce").write_bytes(bytes(32))
    code, out = run(capsys, str(real_copy))
    assert code == 1 and "PAS SUR L'ALÉA DE LA COPIE" in out
    assert "déclaration de tête : déclaration signée sur un autre aléa que celui de la copie" in out
    (real_copy / "head.nonce").unlink()
    code, out = run(capsys, str(real_copy))
    assert code == 1 and "aléa de la copie absent (head.nonce)" in out


def test_a_missing_damaged_or_forged_statement_is_caught(
    capsys: pytest.CaptureFixture[str], real_copy: Path
) -> None:
    head = real_copy / "head.bin"
    good = head.read_bytes()
    forged = bytearray(good)
    forged[-70] ^= 0x01  # inside the statement: its signature no longer holds
    head.write_bytes(bytes(forged))
    code, out = run(capsys, str(real_copy))
    assert code == 1 and "signature de la déclaration de tête invalide" in out
    head.write_bytes(good[:-1])
    code, out = run(capsys, str(real_copy))
    assert code == 1 and "déclaration de tête : déclaration de tête illisible" in out
    head.unlink()
    code, out = run(capsys, str(real_copy))
    assert code == 1 and "déclaration de tête absente de la copie (head.bin)" in out


# -- synthetic copies: a terminal whose statement disagrees with its journal ----------


def copy_with_head(image: bytes, directory: Path, former: bool = False, **change: Any) -> Path:
    """Write ``image`` as a copy with a head statement signed by the terminal's key (a file
    per segment with ``former``, as the copies made before ``segments.bin`` are)."""
    contents = read_image(image)
    last = verify(contents).records[-1]
    write_segments(directory, [segment.data for segment in contents.segments], former)
    (directory / "identity.cbor").write_bytes(contents.identity)
    (directory / "archives").mkdir()
    for archive in contents.archives or ():
        assert archive.data is not None
        (directory / "archives" / archive.name).write_bytes(archive.data)
    fields: dict[str, Any] = {
        "terminal_id": TERMINAL_ID,
        "seq": last.seq,
        "last_signature": last.signature,
        "counter": last.seq,
        "time_utc": last.time_utc + 60,
        "utc_offset": 60,
        "nonce": STATED,
        **change,
    }
    (directory / "head.bin").write_bytes(HeadStatement(**fields).sign(Ed25519Signer(SEED)))
    (directory / "head.nonce").write_bytes(fields["nonce"])
    return directory


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, None),
        ({"counter": 0}, None),
        ({"last_signature": bytes(64)}, "n'a pas la signature déclarée"),
        ({"terminal_id": "OTHER-0002"}, "déclaration du terminal « OTHER-0002 » au lieu de"),
        ({"counter": 10_000}, "compteur monotone 10000 au-delà des"),
        ({"counter": 3}, "compteur monotone 3 en retard sur les"),
        ({"nonce": bytes(8)}, "aléa de 8 octets (de 16 à 64)"),
    ],
    ids=["intact", "no-counter", "other-last", "other-terminal", "ahead", "behind", "short-nonce"],
)
def test_the_statement_against_the_copy(
    capsys: pytest.CaptureFixture[str],
    pristine: bytes,
    tmp_path: Path,
    change: dict[str, Any],
    expected: str | None,
) -> None:
    copy = copy_with_head(pristine, tmp_path / "copy", **change)
    code, out = run(capsys, str(copy))
    if expected is None:
        assert code == 0 and out.rstrip().endswith("INTACT")
        counter = "pas de compteur monotone" if change else "égal au nombre"
        assert counter in out
    else:
        assert code == 1 and "ANOMALIES : " in out
        (line,) = [line for line in out.splitlines() if line.startswith("déclaration de tête")]
        assert expected in line


def test_a_statement_beyond_the_copy_is_a_shortened_copy(
    capsys: pytest.CaptureFixture[str], pristine: bytes, tmp_path: Path
) -> None:
    copy = copy_with_head(pristine, tmp_path / "copy")
    drop_last(copy, 1)
    code, report = run_json(capsys, copy)
    seq = report["head"]["statement"]["seq"]
    assert code == 1
    assert [f["problem"] for f in report["findings"] if f["place"]] == [
        f"copie raccourcie : elle s'arrête à l'enregistrement n°{seq - 1}, "
        f"la déclaration de tête en annonce {seq}"
    ]


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Return the image bytes of a journal of two segments."""
    image = tmp_path_factory.mktemp("two") / "flash.img"
    write_journal(image, tickets=150)
    return image.read_bytes()


def test_a_copy_in_the_former_layout_verifies_as_the_same_copy_does(
    capsys: pytest.CaptureFixture[str], two_segments: bytes, tmp_path: Path
) -> None:
    now = copy_with_head(two_segments, tmp_path / "now")
    before = copy_with_head(two_segments, tmp_path / "before", former=True)
    assert sorted(p.name for p in (before / "journal").iterdir())[:2] == [
        "00000001.log",
        "00000002.log",
    ]
    assert [(s.name, s.data) for s in load_dump(before).segments] == [
        (s.name, s.data) for s in load_dump(now).segments
    ]
    code, report = run_json(capsys, before)
    assert code == 0 and report["findings"] == [] and report["segments"] == 2
    same = ("segments", "frames", "counts", "first", "last", "totals", "periods", "head")
    assert {k: run_json(capsys, now)[1][k] for k in same} == {k: report[k] for k in same}
    drop_last(before, 1)  # the last record removed: a shortened copy, in either layout
    code, report = run_json(capsys, before)
    assert code == 1 and "copie raccourcie" in report["findings"][0]["problem"]


@pytest.mark.parametrize("where", ["segment", "index", "unexpected"])
def test_a_copy_whose_journal_files_were_altered_is_caught(
    capsys: pytest.CaptureFixture[str], two_segments: bytes, tmp_path: Path, where: str
) -> None:
    copy = copy_with_head(two_segments, tmp_path / "copy")
    assert run_json(capsys, copy)[0] == 0
    journal = copy / "journal"
    if where == "segment":  # a byte inside the first record
        data = bytearray((journal / "segments.bin").read_bytes())
        data[40] ^= 0x01
        (journal / "segments.bin").write_bytes(bytes(data))
    elif where == "index":  # the first segment cut elsewhere
        index = bytearray((journal / "segments.idx").read_bytes())
        index[3] ^= 0x10
        (journal / "segments.idx").write_bytes(bytes(index))
    else:
        (journal / "00000009.log").write_bytes(b"")
    code, report = run_json(capsys, copy)
    assert code == 1 and report["findings"]
