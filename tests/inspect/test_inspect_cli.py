"""fiscal-inspect verify on real journals: intact, tampered as an attacker would, unreadable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbor2
import pytest

from tests.inspect.attack import flip, record_of, remove_file, rewrite_segment
from tests.inspect.journals import Written
from tools.inspect.cli import main

MakeDir = Callable[[bytes], Path]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, str(path), "--json")
    return code, json.loads(out)


def index_of(written: Written, doc_type: str, number: int) -> int:
    return next(i for i, r in enumerate(written.records) if r[1:] == (doc_type, number))


def named(findings: list[dict[str, Any]]) -> set[tuple[int, str, int]]:
    return {(f["seq"], f["doc_type"], f["number"]) for f in findings}


def test_intact_journal_verifies(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir, written: Written
) -> None:
    directory = data_dir(pristine)
    code, out, _ = run(capsys, str(directory))
    assert code == 0
    assert out.rstrip().endswith("INTACT")
    assert "Terminal : DEMO-0001" in out
    assert (
        "Enregistrements : ARCHIVE 1, DUPLICATA 3, FACTURE 2, FORMATION 1, GT_EXERCICE 1, "
        "GT_MOIS 1, GT_PERIODE 2, JET 14, TICKET 10"
    ) in out
    assert "Tickets : 8 ventes, 2 retours ; formation : 1" in out
    assert (
        "Périodes ouvertes (fonds de caisse) : 2 ; clôtures : GT_PERIODE 2, GT_MOIS 1, "
        "GT_EXERCICE 1"
    ) in out
    assert "Dernière clôture : GT_EXERCICE n°1 « FY2025-01 » du 31/12/2025" in out
    assert "Archives : 1 (PERIODE 0, EXERCICE 1) ; fichiers dans /fiscal/archives : 1" in out
    archive = index_of(written, "ARCHIVE", 1)
    assert (
        f"  ARCHIVE n°1 (enregistrement n°{archive + 1}) : GT_EXERCICE n°1, enregistrements n°1 "
        f"à n°{archive}, total réel 105,56 €, fichier GT_EXERCICE-000001-FY2025-01.zip ("
    ) in out
    assert out.count(": conforme") == 1 and "AVERTISSEMENTS" not in out
    code, report = run_json(capsys, directory)
    assert code == 0
    assert report["intact"] is True
    assert report["terminal_id"] == "DEMO-0001"
    assert report["counts"]["TICKET"] == 10 and report["counts"]["FORMATION"] == 1
    assert report["findings"] == []
    assert report["first"]["seq"] == 1 and report["last"]["seq"] == len(written.records)
    periods = report["periods"]
    assert periods["opened"] == 2 and periods["open_since"] is None
    assert periods["closures"] == {"GT_PERIODE": 2, "GT_MOIS": 1, "GT_EXERCICE": 1}
    assert periods["last_closure"]["period"] == "FY2025-01"
    assert periods["last_closure"]["gt_real"] == report["totals"]["real"]
    archives = report["archives"]
    (record,) = archives["records"]
    assert record["kind"] == "EXERCICE" and record["file_status"] == "ok"
    assert record["closure"] == {"doc_type": "GT_EXERCICE", "number": 1}
    (file,) = archives["files"]
    assert file["named"] is True and file["sha256"] == record["sha256"]
    assert archives["year_not_archived"] is None and report["warnings"] == []


def test_vector_scenario_verifies(
    capsys: pytest.CaptureFixture[str], vectors_image: bytes, data_dir: MakeDir
) -> None:
    """The journal of tests/vectors/make_vectors.py, every document type, is intact."""
    code, out, _ = run(capsys, str(data_dir(vectors_image)))
    assert code == 0, out
    assert out.rstrip().endswith("INTACT")
    assert "Tickets : 2 ventes, 1 retours ; formation : 1" in out
    assert "Grand total perpétuel réel (recalculé) : 18,15 €" in out
    assert "ARCHIVE n°1 (enregistrement n°14) : GT_EXERCICE n°1, enregistrements n°1 à n°13" in out
    assert "fichier FY2025-01.zip (31 octets) : conforme" in out
    # The vector signs the SHA-256 of a short text, not a zip: its content is not checked.
    assert "AVERTISSEMENTS : 1\n/fiscal/archives/FY2025-01.zip : contenu non contrôlé (" in out


def test_image_file_path_and_pinned_key(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir, written: Written
) -> None:
    image = data_dir(pristine) / "flash.img"
    assert run(capsys, str(image), "--public-key", written.public_key.hex())[0] == 0
    code, out, _ = run(capsys, str(image), "--public-key", "A" * 43)
    assert code == 1
    assert "clé publique de l'identité différente de la clé attendue" in out


def time_byte(frame: bytes) -> int:
    """Return the position in the record of the last byte of ``time_utc`` (field 4)."""
    items = cbor2.loads(record_of(frame))
    return sum(len(cbor2.dumps(item)) for item in items[:5])


EVERY_TYPE = [
    ("TICKET", 2, ("signature invalide", "signature GT_TICKET invalide")),  # a sale
    ("TICKET", 7, ("signature invalide", "signature GT_TICKET invalide")),  # a return
    ("FORMATION", 1, ("signature invalide",)),
    ("DUPLICATA", 2, ("signature invalide",)),
    ("FACTURE", 2, ("signature invalide",)),  # a credit note (AVOIR)
    ("GT_PERIODE", 1, ("signature invalide",)),
    ("GT_MOIS", 1, ("signature invalide",)),
    ("GT_EXERCICE", 1, ("signature invalide",)),
    ("JET", 3, ("signature invalide",)),  # the float that opens the first period
    ("ARCHIVE", 1, ("signature invalide",)),  # its file is not checked against it then
]


@pytest.mark.parametrize("doc_type, number, expected", EVERY_TYPE)
@pytest.mark.parametrize("fix_crc", [True, False], ids=["crc-fixed", "crc-left"])
def test_flipped_byte_names_the_record(
    capsys: pytest.CaptureFixture[str],
    pristine: bytes,
    written: Written,
    data_dir: MakeDir,
    doc_type: str,
    number: int,
    expected: tuple[str, ...],
    fix_crc: bool,
) -> None:
    target = index_of(written, doc_type, number)

    def tamper(frames: list[bytes]) -> list[bytes]:
        frames[target] = flip(frames[target], time_byte(frames[target]), 0x01, fix_crc)
        return frames

    image = data_dir(rewrite_segment(pristine, tamper))
    code, report = run_json(capsys, image)
    assert code == 1
    assert report["intact"] is False
    assert named(report["findings"]) == {written.records[target]}
    if not fix_crc:
        expected = ("CRC-32 de la trame invalide",)
    assert tuple(report["findings"][0]["problems"]) == expected
    code, out, _ = run(capsys, str(image))
    seq = written.records[target][0]
    assert f"enregistrement n°{seq} ({doc_type} n°{number}) : {' ; '.join(expected)}" in out


def test_removed_ticket_names_the_record_after_the_gap(
    capsys: pytest.CaptureFixture[str], pristine: bytes, written: Written, data_dir: MakeDir
) -> None:
    target = index_of(written, "TICKET", 2)
    image = rewrite_segment(pristine, lambda f: f[:target] + f[target + 1 :])
    code, report = run_json(capsys, data_dir(image))
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["seq"], finding["doc_type"], finding["number"]) == written.records[target + 1]
    assert finding["problems"] == [
        f"rupture de la séquence du journal : n°{written.records[target][0]} absent avant celui-ci",
        "rupture de la numérotation TICKET : n°2 absent avant celui-ci",
        "signature non vérifiable : TICKET n°2 absent",
    ]


def test_removed_float_names_the_next_record_and_the_next_jet(
    capsys: pytest.CaptureFixture[str], pristine: bytes, written: Written, data_dir: MakeDir
) -> None:
    target = index_of(written, "JET", 3)
    image = rewrite_segment(pristine, lambda f: f[:target] + f[target + 1 :])
    code, report = run_json(capsys, data_dir(image))
    assert code == 1
    next_jet = written.records[index_of(written, "JET", 4)]
    assert named(report["findings"]) == {written.records[target + 1], next_jet}


@pytest.mark.parametrize(
    "first, second",
    [
        (("TICKET", 2), ("TICKET", 3)),
        (("TICKET", 1), ("JET", 3)),
        (("JET", 2), ("TICKET", 4)),
        (("GT_PERIODE", 1), ("JET", 11)),
    ],
    ids=["same-type", "different-types", "far-apart", "closure-and-float"],
)
def test_swapped_records_are_both_named(
    capsys: pytest.CaptureFixture[str],
    pristine: bytes,
    written: Written,
    data_dir: MakeDir,
    first: tuple[str, int],
    second: tuple[str, int],
) -> None:
    i, j = index_of(written, *first), index_of(written, *second)

    def swap(frames: list[bytes]) -> list[bytes]:
        frames[i], frames[j] = frames[j], frames[i]
        return frames

    code, report = run_json(capsys, data_dir(rewrite_segment(pristine, swap)))
    assert code == 1
    assert named(report["findings"]) == {written.records[i], written.records[j]}


def test_verify_never_writes_to_the_image(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir
) -> None:
    image = data_dir(rewrite_segment(pristine, lambda f: f[:3] + f[4:])) / "flash.img"
    before = hashlib.sha256(image.read_bytes()).digest()
    assert run(capsys, str(image))[0] == 1
    assert hashlib.sha256(image.read_bytes()).digest() == before


@pytest.mark.parametrize(
    "content, message",
    [
        (bytes(range(256)) * 1024, "pas de table des partitions"),
        (b"\xff" * 64 * 4096, "pas de table des partitions"),
        (b"", "pas un nombre entier de blocs"),
        (b"\x00" * 5000, "pas un nombre entier de blocs"),
    ],
    ids=["garbage", "erased", "empty", "partial-block"],
)
def test_unreadable_image_exits_2(
    capsys: pytest.CaptureFixture[str], data_dir: MakeDir, content: bytes, message: str
) -> None:
    directory = data_dir(content)
    code, out, err = run(capsys, str(directory))
    assert code == 2
    assert out == ""
    assert "image illisible" in err and message in err
    code, report = run_json(capsys, directory)
    assert code == 2
    assert report["intact"] is False and message in report["error"]


def test_missing_path_and_wrong_block_size_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pristine: bytes, data_dir: MakeDir
) -> None:
    code, _, err = run(capsys, str(tmp_path / "nowhere"))
    assert code == 2 and "impossible de lire" in err
    code, _, err = run(capsys, str(data_dir(pristine)), "--block-size", "8192")
    assert code == 2 and "blocs de 4096 octets selon la table" in err


def test_missing_identity_exits_2(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir
) -> None:
    image = remove_file(pristine, "/fiscal/identity.cbor")
    code, _, err = run(capsys, str(data_dir(image)))
    assert code == 2 and "identité du terminal absente" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    for argv in (["verify"], ["verify", "x", "--block-size", "-1"], ["nonsense"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "x", "--public-key", "tooshort"])
    assert exit_info.value.code == 2
