"""A dishonest writer's closures and periods: signed with the terminal's key, yet wrong.

Each test writes a journal with the fiscal core (``Till``), then bends the
writer's own state, or signs a closure body of its own making, as firmware
that cheats would: every signature holds, so only the inspector's
recomputation from elementary records and its period rules can tell. Each
expects the exact findings, on the exact record, and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

from fiscal_core import codes
from fiscal_core.closures import COUNT_SALES
from fiscal_core.records import ClosureBody as CoreClosure
from tests.inspect.journals import (
    BAGUETTES,
    DAY,
    T0,
    Till,
    day_with_sales,
    findings,
    forged_closure,
)

NO_FLOAT = "pas de fond de caisse depuis la dernière clôture"


# -- closures whose figures are wrong but correctly signed ------------------------------


def test_day_closure_with_wrong_total(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till, last_of_year=True)
        forged_closure(till, codes.DOC_GT_PERIOD, lambda b: setattr(b, "total_real", 1000))
        till.close(codes.DOC_GT_MONTH)  # honest: its own recomputation holds

    assert findings(tmp_path, script) == [
        (
            4,
            "GT_PERIODE",
            1,
            (
                "chiffres différents du recalcul (n°1 à n°3) : "
                "total réel 10,00 € au lieu de 29,71 €",
            ),
        )
    ]


def test_month_closure_wrong_and_not_the_sum_of_its_days(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till, last_of_year=True)
        till.close(codes.DOC_GT_PERIOD)

        def cheat(body: CoreClosure) -> None:
            body.counts[COUNT_SALES] += 1
            body.vat = [(2000, 1500), *body.vat[1:]]
            body.payments = [(1, 500), *body.payments]

        forged_closure(till, codes.DOC_GT_MONTH, cheat)

    diff = (
        "TVA à 20 % : 15,00 € au lieu de 13,91 €, paiements ESPECES : 5,00 € au lieu de absent, "
        "ventes 3 au lieu de 2"
    )
    assert findings(tmp_path, script) == [
        (
            5,
            "GT_MOIS",
            1,
            (
                f"chiffres différents du recalcul (n°1 à n°4) : {diff}",
                f"différente de la somme de ses 1 clôtures journalières : {diff}",
            ),
        )
    ]


def test_year_closure_with_wrong_grand_totals_and_start(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till, last_of_year=True)
        till.close(codes.DOC_GT_PERIOD)
        till.close(codes.DOC_GT_MONTH)

        def cheat(body: CoreClosure) -> None:
            body.from_seq = 2
            body.previous_gt_real = 5
            body.gt_real += 1
            body.cash_float = 0

        forged_closure(till, codes.DOC_GT_YEAR, cheat)

    assert findings(tmp_path, script) == [
        (
            6,
            "GT_EXERCICE",
            1,
            (
                "premier enregistrement n°2 au lieu de n°1",
                "chiffres différents du recalcul (n°1 à n°5) : "
                "fonds de caisse 0,00 € au lieu de 150,00 €",
                "différente de la somme de ses 1 clôtures mensuelles : "
                "fonds de caisse 0,00 € au lieu de 150,00 €",
                "grand total à la clôture précédente 0,05 € au lieu de 0,00 €",
                "grand total perpétuel réel 29,72 € au lieu de 29,71 €",
            ),
        )
    ]


# -- periods and training mode ---------------------------------------------------------


def test_ticket_outside_a_period_and_after_the_day(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till)
        till.close(codes.DOC_GT_PERIOD)
        with till.cheating(period_open=True):  # the writer thinks the day is still open
            till.sale(BAGUETTES)
        till.open()
        till.now = T0 + 20 * 3600  # 06:00:37 local on 31/12, the day after the float
        with patch("fiscal_core.ledger.DAY_END_HOUR", 12):  # the writer's deadline moved
            till.sale(BAGUETTES)

    assert findings(tmp_path, script) == [
        (
            5,
            "TICKET",
            3,
            (f"hors période ouverte ({NO_FLOAT})",),
        ),
        (
            7,
            "TICKET",
            4,
            (
                "enregistré le 31/12/2025 après la fin de la journée du 30/12/2025 "
                "(06:00 le lendemain)",
            ),
        ),
    ]


def test_training_ticket_outside_training_and_real_ticket_inside(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till)
        with till.cheating(training=True):
            till.sale(BAGUETTES)  # a FORMATION ticket without JET 100
        till.jet(codes.JET_TRAINING_ON, "formation")
        with till.cheating(training=False):
            till.sale(BAGUETTES)  # a real TICKET during training
        till.jet(codes.JET_TRAINING_OFF, "fin")
        till.close(codes.DOC_GT_PERIOD)

    assert findings(tmp_path, script) == [
        (4, "FORMATION", 1, ("ticket de formation hors du mode formation (JET 100 … JET 105)",)),
        (6, "TICKET", 3, ("ticket réel en mode formation (entre JET 100 et JET 105)",)),
    ]


def test_second_float_and_closures_before_their_time(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        till.now = T0 - DAY  # 29/12/2025
        day_with_sales(till)
        with till.cheating(period_open=False):
            till.open()  # a second float in the open period
        till.close(codes.DOC_GT_PERIOD)
        till.forge(codes.DOC_GT_MONTH, till.state.expected_closure(codes.DOC_GT_MONTH))
        year = till.forge(codes.DOC_GT_YEAR, till.state.expected_closure(codes.DOC_GT_YEAR))
        till.archive(year)  # ARCHIVE, then JET 3 (JET 30)
        till.now = T0 + 3 * DAY  # 02/01/2026
        till.open()
        till.jet(codes.JET_RECEIPT_NOT_PRINTED, "non imprimé", ref=7)

    assert findings(tmp_path, script) == [
        (4, "JET", 2, ("fond de caisse alors qu'une période est ouverte (journée du 29/12/2025)",)),
        (6, "GT_MOIS", 1, ("mois 2025-12 pas terminé le 29/12/2025",)),
        (7, "GT_EXERCICE", 1, ("exercice FY2025-01 pas terminé le 29/12/2025",)),
        (11, "JET", 5, ("JET 901 : ticket n°7 absent du journal avant lui",)),
    ]


def test_period_opened_in_a_month_not_closed(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till, last_of_year=True)
        till.close(codes.DOC_GT_PERIOD)
        till.now = T0 + 2 * DAY  # 01/01/2026
        with till.cheating(month_days=0):  # the writer forgets the day not yet in a month
            till.open()
        till.close(codes.DOC_GT_PERIOD)
        till.now = T0 + 33 * DAY  # 01/02/2026
        till.close(codes.DOC_GT_MONTH)  # "2025-12" for the writer, which kept that label

    assert findings(tmp_path, script) == [
        (5, "JET", 2, ("ouverture en 2026-01 alors que le mois 2025-12 n'est pas clos",)),
    ]
