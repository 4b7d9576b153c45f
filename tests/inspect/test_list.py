"""fiscal-inspect list: one line per record, filtered by type, seq range and local date."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.inspect.attack import flip, rewrite_segment
from tools.inspect.cli import main
from tools.inspect.listing import HEADER

MakeDir = Callable[[bytes], Path]


def test_the_header_names_the_columns() -> None:
    columns = ["seq", "type", "n°", "date", "et", "heure", "locales", "op.", "sig.", "résumé"]
    assert HEADER.split() == columns


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["list", *args])
    out, err = capsys.readouterr()
    return code, out, err


def listing(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    code, out, _ = run(capsys, *args, "--json")
    assert code == 0
    records: list[dict[str, Any]] = json.loads(out)["records"]
    return records


def test_every_record_of_a_real_copy_is_listed(
    capsys: pytest.CaptureFixture[str], business_copy: tuple[Path, Path]
) -> None:
    copy = str(business_copy[1])
    records = listing(capsys, copy)
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    code, out, err = run(capsys, copy)
    lines = out.splitlines()
    assert (code, err) == (0, "")
    assert lines[0] == f"Terminal DEMO-0001 ({copy}) ; liste sans vérification"
    assert lines[1] == HEADER
    assert lines[-1] == f"{len(records)} enregistrement(s)"
    float_line = next(line for line in lines if " 171 fond de caisse" in line)
    assert float_line.endswith(": « fond de caisse 150,00 » 150,00 €")
    note = next(r for r in records if r["type"] == "NOTE")
    assert note["details"]["persons"] == 2 and "note provisoire 2 lignes" in note["summary"]
    sale = next(r for r in records if r["type"] == "TICKET")
    assert sale["local"].startswith(sale["utc"][:4]) and sale["details"]["operation"] == "VENTE"


def test_filters(capsys: pytest.CaptureFixture[str], business_copy: tuple[Path, Path]) -> None:
    copy = str(business_copy[1])
    every = listing(capsys, copy)
    tickets = listing(capsys, copy, "--type", "ticket", "--type", "1")
    assert tickets == [r for r in every if r["type"] == "TICKET"] and len(tickets) >= 4
    assert any(r["details"]["operation"] == "RETOUR" for r in tickets)
    closures = listing(capsys, copy, "--type", "GT_PERIODE")
    (z,) = closures
    assert z["summary"].startswith(f"période {z['details']['period']} (depuis n°1) : total réel")
    assert listing(capsys, copy, "--from", "3", "--to", "5") == every[2:5]
    day = every[0]["local"][:10]
    assert listing(capsys, copy, "--date", day) == [r for r in every if r["local"][:10] == day]
    assert listing(capsys, copy, "--date", "1999-01-01") == []
    code, out, _ = run(capsys, copy, "--date", "1999-01-01")
    assert code == 0 and out.splitlines()[-1] == "aucun enregistrement ne correspond"
    for bad in (["--type", "REÇU"], ["--date", "25/11/2025"], ["--from", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["list", copy, *bad])
        assert exit_info.value.code == 2
    capsys.readouterr()


def test_an_unreadable_frame_is_listed_where_it_is(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir
) -> None:
    damaged = rewrite_segment(pristine, lambda f: [*f[:6], flip(f[6], 20, 0x01, False), *f[7:]])
    directory = str(data_dir(damaged))
    code, out, _ = run(capsys, directory)
    assert code == 0
    (line,) = [line for line in out.splitlines() if "ILLISIBLE" in line]
    assert line.split()[:2] == ["7", "ILLISIBLE"] and "CRC-32 de la trame invalide" in line
    assert "ILLISIBLE" not in run(capsys, directory, "--type", "JET")[1]
    code, _, err = run(capsys, str(Path(directory) / "absent"))
    assert code == 2 and "image illisible" in err


def test_the_signature_extracts_are_those_printed(
    capsys: pytest.CaptureFixture[str], business_copy: tuple[Path, Path]
) -> None:
    receipts = (business_copy[0] / "receipts").glob("*.txt")
    printed = {
        line.split(":")[1].strip()
        for receipt in receipts
        for line in receipt.read_text(encoding="utf-8").splitlines()
        if line.startswith("Signature :")
    }
    records = listing(capsys, str(business_copy[1]), "--type", "TICKET", "--type", "GT_PERIODE")
    assert {r["signature_extract"] for r in records} <= printed
