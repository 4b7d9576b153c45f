"""fiscal-inspect export: CSV files in docs/ARCHIVE.md's format, from a real terminal's journal.

The journal is the simulator's business day (``business_copy``: sales, a
return, an invoice, a duplicate, training, cash out, Z and its archive),
copied over a pty. The CSV totals must give back the Z closure's figures,
and the rows must be those of the terminal's own archive of the day.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from fiscal_core import codes
from tests.inspect.attack import flip, rewrite_segment
from tools.inspect.cli import main
from tools.inspect.columns import COLUMNS, JET_MEANINGS, UNKNOWN_JET

Table = list[dict[str, str]]
MakeDir = Callable[[bytes], Path]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def read(path: Path) -> Table:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


@pytest.fixture(scope="module")
def exported(business_copy: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "csv"
    assert main(["export", str(business_copy[1]), "--csv", str(out)]) == 0
    return out


def test_the_files_follow_the_archive_conventions(exported: Path) -> None:
    names = {p.name for p in exported.iterdir()}
    assert names == {*COLUMNS, "colonnes.csv", "manifest.json"}
    for name, columns in COLUMNS.items():
        data = (exported / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
        header = data.split(b"\r\n", 1)[0].decode("ascii")
        assert header.split(";") == [column for column, _ in columns]
    dictionary = read(exported / "colonnes.csv")
    assert [(r["fichier"], r["colonne"]) for r in dictionary] == [
        (name, column) for name, columns in COLUMNS.items() for column, _ in columns
    ]
    assert all(r["signification"] for r in dictionary)
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["verification"] == {"intact": True, "anomalies": [], "avertissements": []}
    assert manifest["terminal"] == "DEMO-0001" and manifest["declaration_de_tete"]["problems"] == []
    for name, info in manifest["fichiers"].items():
        data = (exported / name).read_bytes()
        assert info["sha256"] == hashlib.sha256(data).hexdigest() and info["octets"] == len(data)


def test_the_csv_totals_are_the_z_figures(exported: Path) -> None:
    tickets, vat, payments = (read(exported / f"{n}.csv") for n in ("tickets", "vat", "payments"))
    jet, invoices = read(exported / "jet.csv"), read(exported / "invoices.csv")
    duplicates, closures = read(exported / "duplicates.csv"), read(exported / "closures.csv")
    (z,) = [c for c in closures if c["type_document"] == "GT_PERIODE"]
    first, last = int(z["premier_seq"]), int(z["seq"])

    def within(rows: Table, key: str = "seq") -> Table:
        return [r for r in rows if first <= int(r[key]) <= last]

    real = {r["ticket_seq"] for r in within(vat, "ticket_seq") if r["type_document"] == "TICKET"}
    sold = [t for t in within(tickets) if t["formation"] == "0"]
    assert sold and {t["seq"] for t in sold} == real
    assert sum(int(t["total_ttc_centimes"]) for t in sold) == int(z["total_reel_centimes"])
    assert sum(int(t["total_absolu_centimes"]) for t in sold) == int(z["total_absolu_centimes"])
    assert sold[-1]["gt_reel_centimes"] == z["gt_reel_centimes"]
    assert sold[-1]["gt_absolu_centimes"] == z["gt_absolu_centimes"]
    per_rate: dict[int, int] = defaultdict(int)
    for r in vat:
        if r["ticket_seq"] in real:
            per_rate[int(r["taux_tva_x100"])] += int(r["total_ttc_centimes"])
    signed = "|".join(f"{rate:04d}:{ttc}" for rate, ttc in sorted(per_rate.items(), reverse=True))
    assert signed == z["tva_par_taux"]
    per_means: dict[int, int] = defaultdict(int)
    for p in payments:
        if p["ticket_seq"] in real:
            per_means[int(p["moyen_code"])] += int(p["montant_centimes"])
    per_means[codes.PAY_CASH] -= sum(int(t["rendu_monnaie_centimes"]) for t in sold)
    assert "|".join(f"{m}:{a}" for m, a in sorted(per_means.items())) == z["paiements_par_moyen"]
    events = within(jet)

    def amounts(code: int) -> int:
        return sum(int(e["montant_centimes"]) for e in events if e["code"] == str(code))

    def count(code: int) -> int:
        return sum(1 for e in events if e["code"] == str(code))

    assert [int(z[c]) for c in ("nb_ventes", "nb_retours")] == [
        sum(1 for t in sold if t["operation"] == op) for op in ("VENTE", "RETOUR")
    ]
    assert int(z["nb_ventes"]) >= 3 and int(z["nb_retours"]) == 1
    assert int(z["nb_duplicata"]) == len(within(duplicates)) == 1
    assert int(z["nb_factures"]) == len(within(invoices)) == 1
    assert int(z["nb_ventes_abandonnees"]) == count(codes.JET_SALE_ABANDONED)
    assert int(z["nb_lignes_annulees"]) == count(codes.JET_LINE_VOIDED)
    assert int(z["fond_de_caisse_centimes"]) == amounts(codes.JET_CASH_FLOAT) == 15000
    assert int(z["mouvements_caisse_centimes"]) == amounts(codes.JET_CASH_MOVE) == -2000


def test_the_rows_are_those_of_the_terminals_own_archive(
    exported: Path, business_copy: tuple[Path, Path]
) -> None:
    (archive,) = (business_copy[1] / "archives").iterdir()
    with zipfile.ZipFile(archive) as z:
        for name in COLUMNS:
            text = io.StringIO(z.read(name).decode(), newline="")
            theirs = list(csv.DictReader(text, delimiter=";"))
            key = "seq" if "seq" in COLUMNS[name][0] else "ticket_seq"
            span = {r[key] for r in theirs}
            ours = [r for r in read(exported / name) if r[key] in span]
            assert len(ours) == len(theirs), name
            for mine, row in zip(ours, theirs, strict=True):
                if "operateur_nom" in row:  # the configuration's, not in the journal
                    row["operateur_nom"] = ""
                if row.get("code_libelle") == UNKNOWN_JET:  # a code the archive does not name
                    row["code_libelle"] = mine["code_libelle"]
                assert mine == row, name


def test_an_image_and_its_copy_export_the_same_csv(
    capsys: pytest.CaptureFixture[str],
    exported: Path,
    business_copy: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    code, _, _ = run(capsys, str(business_copy[0]), "--csv", str(tmp_path / "image"))
    assert code == 0
    for name in [*COLUMNS, "colonnes.csv"]:
        assert (tmp_path / "image" / name).read_bytes() == (exported / name).read_bytes(), name
    manifest = json.loads((tmp_path / "image" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["declaration_de_tete"] is None
    assert manifest["source"]["nature"] == "image flash"


def test_a_non_empty_directory_is_refused(
    capsys: pytest.CaptureFixture[str], business_copy: tuple[Path, Path], tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("à garder")
    code, out, err = run(capsys, str(business_copy[1]), "--csv", str(tmp_path / "out"))
    assert (code, out) == (2, "")
    assert f"export impossible : {tmp_path / 'out'} n'est pas vide" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]
    code, _, err = run(capsys, str(tmp_path / "out" / "notes.txt"), "--csv", str(tmp_path / "x"))
    assert code == 2 and "image illisible" in err and not (tmp_path / "x").exists()


def test_anomalies_are_exported_and_said(
    capsys: pytest.CaptureFixture[str], pristine: bytes, data_dir: MakeDir, tmp_path: Path
) -> None:
    tampered = rewrite_segment(pristine, lambda f: [*f[:4], flip(f[4], 40, 0x01, True), *f[5:]])
    code, out, _ = run(capsys, str(data_dir(tampered)), "--csv", str(tmp_path / "out"))
    assert code == 1
    assert "Vérification : ANOMALIES : " in out
    assert "; les données sont exportées telles que lues (détail : fiscal-inspect verify" in out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["verification"]["intact"] is False
    assert manifest["verification"]["anomalies"][0].startswith("enregistrement n°5 ")
    assert len(read(tmp_path / "out" / "records.csv")) == manifest["enregistrements"]["nombre"]


def test_every_jet_code_of_the_terminal_has_a_meaning() -> None:
    terminal = {v for k, v in vars(codes).items() if k.startswith("JET_") and isinstance(v, int)}
    assert terminal <= JET_MEANINGS.keys()
