"""A dishonest writer's archives: signed with the terminal's key, yet wrong.

Each test writes a journal with the fiscal core (``Till``) and signs an
ARCHIVE that does not match its closure or its period, or bends the writer's
state to open a new fiscal year before archiving the last one; each expects
the exact findings, on the exact record, and nothing else.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from firmware.archive import build_archive
from firmware.demo import DEMO_CONFIG
from fiscal_core import codes
from fiscal_core.closures import ClosureBody
from fiscal_core.identity import Identity
from fiscal_core.records import Record as CoreRecord
from tests.inspect.journals import BAGUETTES, DAY, T0, Till, day_with_sales, findings


def archive_bytes(till: Till, closure: CoreRecord, edit: Callable[[list[str]], list[str]]) -> bytes:
    """Return the archive the firmware builds of ``closure``, records.csv lines edited."""
    records = [CoreRecord.decode(raw) for raw in till.journal.records()]
    body = closure.body
    data = build_archive(
        records[body.from_seq - 1 : closure.seq],  # type: ignore[union-attr]
        identity=Identity(till.ledger.terminal_id, till.signer.public_key),
        config=DEMO_CONFIG,
        created_utc=till.now,
        created_offset=60,
        label="2025-12-31",
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "records.csv":
                content = "\r\n".join(edit(content.decode().split("\r\n"))).encode()
            target.writestr(info, content)
    return out.getvalue()


def test_archive_whose_records_differ_from_the_journal(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        rows = {line.split(";", 1)[0]: line for line in lines[1:] if line}
        changed = rows["3"][:-1] + ("0" if rows["3"][-1] != "0" else "1")
        extra = "99;" + rows["1"].split(";", 1)[1]
        return [lines[0], rows["1"], rows["1"], changed, rows["4"], extra, ""]

    def script(till: Till) -> None:
        day_with_sales(till, last_of_year=True)
        closure = till.close(codes.DOC_GT_PERIOD)
        till.forge_archive(closure, lambda body: None, archive_bytes(till, closure, edit))

    prefix = "archive forged-4.zip : records.csv : "
    assert findings(tmp_path, script) == [
        (
            5,
            "ARCHIVE",
            1,
            (
                f"{prefix}n°2 absent(s)",
                f"{prefix}n°99 hors des archivés (n°1 à n°4)",
                f"{prefix}n°1 en double",
                f"{prefix}n°3 différent(s) du journal",
            ),
        )
    ]


def test_archive_with_figures_not_its_closure(tmp_path: Path) -> None:
    def cheat(body: Any) -> None:
        body.kind = codes.ARCHIVE_YEAR
        body.from_seq, body.to_seq = 2, 3
        body.vat = [(2000, 1), *body.vat[1:]]
        body.total += 100

    def script(till: Till) -> None:
        day_with_sales(till, last_of_year=True)
        till.forge_archive(till.close(codes.DOC_GT_PERIOD), cheat)

    assert findings(tmp_path, script) == [
        (
            5,
            "ARCHIVE",
            1,
            (
                "nature « EXERCICE » au lieu de « PERIODE » pour une GT_PERIODE",
                "différente de la GT_PERIODE n°1 archivée : premier enregistrement n°2 au lieu "
                "de n°1, dernier enregistrement n°3 au lieu de n°4, TVA 2000:1|1000:1100|0550:480 "
                "au lieu de 2000:1391|1000:1100|0550:480, total réel 30,71 € au lieu de 29,71 €",
            ),
        )
    ]


def test_second_archive_and_archives_of_no_closure(tmp_path: Path) -> None:
    def of_a_ticket(body: Any) -> None:
        body.closure_type, body.closure_number, body.file_name = codes.DOC_TICKET, 1, "../journal"

    def script(till: Till) -> None:
        day_with_sales(till, last_of_year=True)
        closure = till.close(codes.DOC_GT_PERIOD)
        till.archive(closure)
        till.forge_archive(closure, lambda body: None)
        till.forge_archive(closure, lambda body: setattr(body, "closure_number", 5))
        till.forge_archive(closure, of_a_ticket, content=None)

    assert findings(tmp_path, script) == [
        (7, "ARCHIVE", 2, ("deuxième archive de la GT_PERIODE n°1 (déjà ARCHIVE n°1)",)),
        (8, "ARCHIVE", 3, ("GT_PERIODE n°5 absente du journal avant l'archive",)),
        (
            9,
            "ARCHIVE",
            4,
            (
                "archive d'un document TICKET, pas d'une clôture",
                "nom de fichier d'archive « ../journal » invalide",
                "fichier d'archive absent (/fiscal/archives/../journal)",
            ),
        ),
    ]


def test_new_fiscal_year_opened_before_the_archive_of_the_last(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till, last_of_year=True)
        for kind in (codes.DOC_GT_PERIOD, codes.DOC_GT_MONTH, codes.DOC_GT_YEAR):
            year = till.close(kind)
        till.now = T0 + 2 * DAY  # 01/01/2026
        with till.cheating(archive_due=False):
            till.open()
        till.close(codes.DOC_GT_PERIOD)
        till.archive(year)  # late: from now on, periods open again
        till.open()

    assert findings(tmp_path, script) == [
        (
            7,
            "JET",
            2,
            (
                "ouverture avant l'archive de l'exercice FY2025-01 (GT_EXERCICE n°1, "
                "enregistrement n°6)",
            ),
        )
    ]


def test_archive_of_an_earlier_year_does_not_open_the_next(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till, last_of_year=True)
        for kind in (codes.DOC_GT_PERIOD, codes.DOC_GT_MONTH, codes.DOC_GT_YEAR):
            first_year = till.close(kind)
        till.now = T0 + 366 * DAY  # 31/12/2026
        with till.cheating(archive_due=False):
            till.open()
        till.sale(BAGUETTES)
        for kind in (codes.DOC_GT_PERIOD, codes.DOC_GT_MONTH, codes.DOC_GT_YEAR):
            till.close(kind)
        # FY2025's: the honest writer still wants FY2026's, and archives a kind's last closure only.
        body = first_year.body
        assert isinstance(body, ClosureBody)
        known = (body.from_seq, first_year.seq, body.vat, body.total_real)
        earlier = {**till.state.closures, (first_year.doc_type, first_year.number): known}
        with till.cheating(closures=earlier):
            till.archive(first_year)
        till.now += DAY  # 01/01/2027
        with till.cheating(archive_due=False):
            till.open()

    assert findings(tmp_path, script) == [
        (
            7,
            "JET",
            2,
            (
                "ouverture avant l'archive de l'exercice FY2025-01 (GT_EXERCICE n°1, "
                "enregistrement n°6)",
            ),
        ),
        (
            14,
            "JET",
            4,
            (
                "ouverture avant l'archive de l'exercice FY2026-01 (GT_EXERCICE n°2, "
                "enregistrement n°11)",
            ),
        ),
    ]


def test_archive_events_name_their_archive(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till)
        till.archive(till.close(codes.DOC_GT_PERIOD))  # ARCHIVE 1, then JET 2: JET 20
        till.jet(codes.JET_YEAR_ARCHIVE, "archive", ref=1)
        till.jet(codes.JET_PERIOD_ARCHIVE, "archive")
        till.jet(codes.JET_PERIOD_ARCHIVE, "archive", ref=2)

    assert findings(tmp_path, script) == [
        (7, "JET", 3, ("JET 30 pour l'ARCHIVE n°1 de nature « PERIODE » (JET 20 attendu)",)),
        (8, "JET", 4, ("JET 20 sans archive concernée",)),
        (9, "JET", 5, ("JET 20 : ARCHIVE n°2 absente du journal avant lui",)),
    ]
