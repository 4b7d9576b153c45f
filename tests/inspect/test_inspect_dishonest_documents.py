"""A dishonest writer's documents: returns, invoices, duplicates, training, grand totals.

As in test_inspect_dishonest_closures.py, every record is signed with the
terminal's key; the inspector must still name the one that breaks a rule of
docs/SPEC.md, with a precise message, and nothing else.
"""

from __future__ import annotations

from pathlib import Path

from fiscal_core import codes
from fiscal_core.links import DocumentLinks
from fiscal_core.records import DuplicateBody, Line, NoteBody, Payment, TicketBody
from fiscal_core.records import InvoiceBody as CoreInvoice
from fiscal_core.state import ChainHead
from tests.inspect.journals import BAGUETTES, Till, day_with_sales, findings

# -- returns, invoices, duplicates -----------------------------------------------------


def test_return_exceeding_the_sale(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        sale, _ = day_with_sales(till)
        till.ret(sale, [Line("P2", "Baguette", -1, 120, 550)])
        forgetful = DocumentLinks.after(sale, [])  # the writer forgets what was returned
        till.ret(sale, [Line("P2", "Baguette", -2, 120, 550)], links=forgetful)
        refund = [Payment(codes.PAY_CASH, -99)]
        alien = [Line("P99", "Inconnu", -1, 99, 2000)]
        till.forge_ticket(TicketBody(codes.OP_RETURN, alien, refund, 0, 0, 0, 1, "R3"))

    assert findings(tmp_path, script) == [
        (
            5,
            "TICKET",
            4,
            (
                "article P2 à 1,20 € (TVA 5,5 %) : 3 retourné(s) en tout (dont 1 avant) "
                "pour 2 vendu(s) sur le ticket n°1",
            ),
        ),
        (6, "TICKET", 5, ("article P99 à 0,99 € (TVA 20 %) absent du ticket n°1",)),
    ]


def test_second_invoice_and_invoice_not_matching_its_ticket(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        sale, _ = day_with_sales(till)
        till.invoice(sale)
        till.invoice(sale, links=DocumentLinks.after(sale, []))  # forgets the first invoice
        till.forge(codes.DOC_INVOICE, CoreInvoice(2, "AVOIR", " ", "", "", [(550, 1)], 1))

    assert findings(tmp_path, script) == [
        (5, "FACTURE", 2, ("deuxième facture du ticket n°1 (déjà FACTURE n°1)",)),
        (
            6,
            "FACTURE",
            3,
            (
                "facture sans nom de client",
                "facture sans code postal du client",
                "« AVOIR » au lieu de « FACTURE » pour le ticket n°2",
                "TVA 0550:1 au lieu de 2000:696|1000:1100|0550:240 (ticket n°2)",
                "total 0,01 € au lieu de 20,36 € (ticket n°2)",
            ),
        ),
    ]


def test_duplicate_numbering_and_original(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        sale, _ = day_with_sales(till)
        till.duplicate(sale)
        forged = DocumentLinks.after(sale, [])
        forged.reprints = 4  # the writer skips reprint numbers
        till.duplicate(sale, links=forged)
        till.forge(codes.DOC_DUPLICATE, DuplicateBody(codes.DOC_TICKET, 9, 1))

    assert findings(tmp_path, script) == [
        (5, "DUPLICATA", 2, ("réimpression n°5 au lieu de n°2 de TICKET n°1",)),
        (6, "DUPLICATA", 3, ("duplicata du TICKET n°9 absent du journal avant lui",)),
    ]


# -- perpetual totals and terminal -----------------------------------------------------


def test_drifting_perpetual_total_and_foreign_terminal(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        till.open()
        till.sale(BAGUETTES)
        till.state.gt_real += 100  # a firmware bug: the perpetual total drifts
        till.sale(BAGUETTES)
        till.ledger.terminal_id = "AUTRE-0002"
        till.sale(BAGUETTES)

    assert findings(tmp_path, script) == [
        (3, "TICKET", 2, ("grand total perpétuel réel 19,70 € au lieu de 18,70 €",)),
        (4, "TICKET", 3, ("terminal « AUTRE-0002 » au lieu de « DEMO-0001 »",)),
    ]


def test_grand_total_chain_broken_inside_a_ticket(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        till.open()
        till.sale(BAGUETTES)
        till.state.chains[codes.DOC_GT_TICKET] = ChainHead(1, bytes(64))  # a wrong PREV
        till.sale(BAGUETTES)
        till.sale(BAGUETTES)  # chained on the second ticket's GT_TICKET signature: valid

    assert findings(tmp_path, script) == [(3, "TICKET", 2, ("signature GT_TICKET invalide",))]


# -- notes before payment (NOTE) -------------------------------------------------------


def test_notes_out_of_a_period_or_out_of_shape(tmp_path: Path) -> None:
    def script(till: Till) -> None:
        day_with_sales(till)
        lines = [Line("P2", "Baguette", 2, 120, 550)]
        till.keep(till.ledger.seal_note(**till.when(), lines=lines, persons=3))
        till.forge(codes.DOC_NOTE, NoteBody([Line("P2", "Baguette", -1, 120, 550)], 0))
        till.close(codes.DOC_GT_PERIOD)
        till.forge(codes.DOC_NOTE, NoteBody(lines, 2))

    found = findings(tmp_path, script)
    assert [(kind, number) for _, kind, number, _ in found] == [("NOTE", 2), ("NOTE", 3)]
    assert found[0][3] == (
        "ligne 1 : quantité -1 sur une note",
        "note partagée par 0 personnes (de 1 à 99)",
    )
    assert found[1][3] == (
        "hors période ouverte (pas de fond de caisse depuis la dernière clôture)",
    )
