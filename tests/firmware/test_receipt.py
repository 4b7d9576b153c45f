"""The sale receipt: golden ESC/POS bytes and every mention of NF525 section 6 on paper.

Golden files live in ``tests/golden/``. After an intended layout change,
regenerate them from the code and review the diff of the ``.txt`` file::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/firmware/test_receipt.py
"""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from firmware import version
from firmware.config import Operator
from firmware.demo import DEMO_CONFIG
from firmware.receipt import format_amount, format_rate, printable, text_slip, ticket_receipt
from fiscal_core import codes
from fiscal_core.civil import local_day
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.ledger import ChainHead, Ledger, LedgerState, Sealed
from fiscal_core.links import DocumentLinks
from fiscal_core.records import Line, Payment
from simulator.escpos_text import PaperLine, render_lines, render_text

GOLDEN = Path(__file__).parent.parent / "golden"
ROOT = Path(__file__).parent.parent.parent
SEED = bytes(range(1, 33))
T0 = 1764064800  # 2025-11-25 10:00:00 UTC = 11:00:00 in Paris (utc_offset 60)
LINES = [
    Line("P1", "Café grain 250g", 2, 450, 550),
    Line("P2", "Baguette", 1, 120, 550),
    Line("P20", "Piles AA x4", 1, 695, 2000),
]


def open_period(state: LedgerState | None = None) -> LedgerState:
    """Return ``state`` (a new one by default) with the period of T0 open.

    As if the cash float had been accepted, without recording it: the sale is
    then journal record #1 and its bytes (and the golden ticket) stay those of
    a first record.
    """
    state = state or LedgerState()
    state.period_open, state.business_day = True, local_day(T0, 60)
    return state


def seal(
    lines: list[Line] = LINES,
    payments: list[Payment] | None = None,
    state: LedgerState | None = None,
) -> Sealed:
    ledger = Ledger(DEMO_CONFIG.terminal_id, Ed25519Signer(SEED), open_period(state))
    return ledger.seal_ticket(
        time_utc=T0,
        utc_offset=60,
        operator_id=1,
        lines=lines,
        payments=payments or [Payment(codes.PAY_CASH, 2000)],
    )


@pytest.fixture(scope="module")
def sale() -> Sealed:
    return seal()


@pytest.fixture(scope="module")
def paper(sale: Sealed) -> list[PaperLine]:
    return render_lines(ticket_receipt(sale.record, DEMO_CONFIG))


def check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.exists(), f"{path} is missing: regenerate with UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} changed: review, then UPDATE_GOLDEN=1"


def one(paper: list[PaperLine], start: str) -> PaperLine:
    """Return the only printed line whose text starts with ``start``."""
    found = [line for line in paper if line.text.startswith(start)]
    assert len(found) == 1, f"{start!r} printed {len(found)} times"
    return found[0]


def test_sale_ticket_bytes_equal_the_golden_file(sale: Sealed) -> None:
    data = ticket_receipt(sale.record, DEMO_CONFIG)
    check_golden("ticket_sale.bin", data)
    check_golden("ticket_sale.txt", "".join(f"{t}\n" for t in render_text(data)).encode())


def test_ticket_is_pure(sale: Sealed) -> None:
    assert ticket_receipt(sale.record, DEMO_CONFIG) == ticket_receipt(sale.record, DEMO_CONFIG)


def test_bytes_frame_reset_cp858_feed_and_partial_cut(sale: Sealed) -> None:
    data = ticket_receipt(sale.record, DEMO_CONFIG)
    assert data.startswith(b"\x1b@\x1bt\x13")  # ESC @, ESC t 19 (CP858)
    assert data.endswith(b"\x1bd\x06\x1dV\x01")  # ESC d 6, GS V 1 (partial cut)
    assert "Opérateur".encode("cp858") == b"Op\x82rateur" and b"Op\x82rateur" in data
    assert b"17,15 \xd5" in data  # the euro sign is 0xD5 in CP858
    assert data.count(b"\x1dV") == 1


def test_merchant_header(paper: list[PaperLine]) -> None:
    name = paper[0]
    assert name.text == "EPICERIE DU MARCHE (DEMO)"
    assert (name.bold, name.double_height, name.double_width, name.align) == (
        True,
        True,
        False,
        "center",
    )
    texts = [line.text for line in paper]
    assert texts[1:6] == [
        "12 rue des Halles",
        "75001 Paris",
        "SIRET 12345678200017",
        "NAF 4711B",
        "TVA intracom. FR32123456782",
    ]


def test_document_type_number_date_terminal_operator(paper: list[PaperLine]) -> None:
    heading = one(paper, "TICKET DE VENTE")
    assert heading.bold and heading.text.endswith("N° 000001")
    assert one(paper, "Date : ").text == "Date : 25/11/2025 11:00:00"
    assert one(paper, "Terminal : ").text == "Terminal : DEMO-0001"
    assert one(paper, "Opérateur : ").text == "Opérateur : 1 - Camille"


def test_item_lines_with_quantity_unit_price_total_and_vat_code(paper: list[PaperLine]) -> None:
    texts = [line.text for line in paper]
    start = texts.index("Café grain 250g")
    assert texts[start : start + 6] == [
        "Café grain 250g",
        "  2 x 4,50 €                      9,00 € C",
        "Baguette",
        "  1 x 1,20 €                      1,20 € C",
        "Piles AA x4",
        "  1 x 6,95 €                      6,95 € A",
    ]
    assert one(paper, "Nombre de lignes").text == "Nombre de lignes : 3"


def test_total_vat_table_payments_and_change(paper: list[PaperLine]) -> None:
    total = one(paper, "TOTAL TTC")
    assert total.text == "TOTAL TTC     17,15 €"  # 21 double-width characters
    assert total.bold and total.double_width and total.double_height
    texts = [line.text for line in paper]
    start = texts.index("Taux              HT        TVA        TTC")
    # 6,95 TTC at 20 %: HT = 695 / 1.2 = 579.17 -> 5,79; 10,20 at 5,5 %: 1020 / 1.055 -> 9,67.
    assert texts[start + 1 : start + 4] == [
        "A 20 %        5,79 €     1,16 €     6,95 €",
        "C 5,5 %       9,67 €     0,53 €    10,20 €",
        "Total        15,46 €     1,69 €    17,15 €",
    ]
    assert one(paper, "ESPECES").text == "ESPECES" + "20,00 €".rjust(35)
    assert one(paper, "RENDU").text == "RENDU" + "2,85 €".rjust(37)


def test_reprint_software_certificate_and_signature_extract(
    sale: Sealed, paper: list[PaperLine]
) -> None:
    assert one(paper, "Réimpression").text == "Réimpression : 0"
    assert one(paper, "Réimpression").bold
    software = f"Logiciel : {version.SOFTWARE_NAME} {version.SOFTWARE_VERSION}"
    assert one(paper, "Logiciel").text == software
    certificate = one(paper, "Certificat").text
    assert version.CERTIFICATE_CATEGORY in certificate
    assert version.CERTIFICATE_NUMBER in certificate
    text = sale.signature_text
    assert len(text) == 86
    assert one(paper, "Signature").text == f"Signature : {text[2]}{text[6]}{text[12]}{text[18]}"
    assert paper[-1].cut and not paper[-2].text


def test_every_line_fits_the_paper(paper: list[PaperLine]) -> None:
    assert all(len(line.aligned()) <= line.columns for line in paper)
    assert all(line.columns == (21 if line.double_width else 42) for line in paper)


def test_perpetual_totals_are_not_printed_and_number_comes_from_the_record() -> None:
    state = LedgerState()
    state.seq, state.gt_real, state.gt_absolute = 100, 1234567, 7654321
    state.chains[codes.DOC_TICKET] = ChainHead(41, bytes(64))
    sealed = seal(state=state)
    assert sealed.record.body.gt_real == 1234567 + 1715  # type: ignore[union-attr]
    text = "\n".join(render_text(ticket_receipt(sealed.record, DEMO_CONFIG)))
    assert "N° 000042" in text
    for amount in (1234567 + 1715, 7654321 + 1715):
        assert format_amount(amount).split(" ")[0] not in text


def test_duplicate_is_marked_in_bold_double_height_with_its_reprint_number() -> None:
    paper = render_lines(ticket_receipt(seal().record, DEMO_CONFIG, reprint=2))
    mark = one(paper, "DUPLICATA")
    assert (mark.text, mark.bold, mark.double_height, mark.align) == (
        "DUPLICATA N° 2",
        True,
        True,
        "center",
    )
    assert paper.index(mark) < paper.index(one(paper, "TICKET DE VENTE"))
    assert one(paper, "Réimpression").text == "Réimpression : 2"


def test_return_names_the_sale_its_reason_negative_lines_and_refunds() -> None:
    ledger = Ledger(DEMO_CONFIG.terminal_id, Ed25519Signer(SEED), open_period())
    sale = seal()
    ledger.accept(sale)
    refund = ledger.seal_return(
        time_utc=T0 + 60,
        utc_offset=60,
        operator_id=1,
        original=sale.record,
        links=DocumentLinks.after(sale.record, []),
        lines=[Line("P1", "Café grain 250g", -2, 450, 550)],
        refunds=[Payment(codes.PAY_CARD, -900)],
        reason="R2 erreur de caisse",
    )
    paper = render_lines(ticket_receipt(refund.record, DEMO_CONFIG))
    heading = one(paper, "TICKET DE RETOUR")
    assert heading.bold and heading.text.endswith("N° 000002")
    assert one(paper, "Retour du ticket").text == "Retour du ticket N° 000001"
    assert one(paper, "Motif").text == "Motif : R2 erreur de caisse"
    texts = [line.text for line in paper]
    assert "  -2 x 4,50 €                    -9,00 € C" in texts
    assert one(paper, "TOTAL TTC").text == "TOTAL TTC     -9,00 €"
    assert one(paper, "REMBOURSEMENT").text == "REMBOURSEMENT CARTE BANCAIRE" + "-9,00 €".rjust(14)
    assert not [t for t in texts if t.startswith(("RENDU", "TICKET DE VENTE", "CARTE"))]


def test_late_print_is_the_same_ticket_with_a_bold_mark() -> None:
    record = seal().record
    paper = render_lines(ticket_receipt(record, DEMO_CONFIG, late=True))
    mark = one(paper, "IMPRESSION DIFFEREE")
    assert mark.bold and paper.index(mark) == paper.index(one(paper, "Opérateur")) + 1
    assert [line for line in paper if line is not mark] == render_lines(
        ticket_receipt(record, DEMO_CONFIG)
    )


def test_card_payment_long_label_unknown_rate_and_missing_operator() -> None:
    label = "Panier garni " + "très " * 30 + "généreux"
    lines = [Line("D1", label, 3, 1999, 850), Line("P21", "Briquet", 1, 250, 2000)]
    sealed = seal(lines, [Payment(codes.PAY_CARD, 6247)])
    config = dataclasses.replace(DEMO_CONFIG, operators=(Operator(id=7, name="X", pin="0000"),))
    paper = render_lines(ticket_receipt(sealed.record, config))
    texts = [line.text for line in paper]
    assert all(len(t) <= 42 for t in texts)
    start = next(i for i, t in enumerate(texts) if t.startswith("Panier garni"))
    wrapped = texts[start : texts.index("  3 x 19,99 €                    59,97 € E")]
    assert " ".join(wrapped) == label  # 850 is not configured: next letter after A-D
    assert "A 20 %" in "\n".join(texts) and "E 8,5 %" in "\n".join(texts)
    assert one(paper, "CARTE BANCAIRE").text.endswith("62,47 €")
    assert one(paper, "RENDU").text.endswith("0,00 €")
    assert one(paper, "Opérateur").text == "Opérateur : 1"


def test_narrow_paper_keeps_every_line_within_its_width(sale: Sealed) -> None:
    config = dataclasses.replace(DEMO_CONFIG, paper_columns=32)
    paper = render_lines(ticket_receipt(sale.record, config), columns=32)
    assert all(len(line.aligned()) <= line.columns <= 32 for line in paper)
    texts = [line.text for line in paper]
    total = texts.index("TOTAL TTC")  # 16 double-width characters: the amount goes below
    assert texts[total + 1] == "17,15 €".rjust(16) and paper[total + 1].double_width


def test_rejects_what_is_not_a_signed_sale_ticket(sale: Sealed) -> None:
    ledger = Ledger(DEMO_CONFIG.terminal_id, Ed25519Signer(SEED))
    jet = ledger.seal_jet(time_utc=T0, utc_offset=60, operator_id=1, code=80, text="start")
    with pytest.raises(ValueError, match="not a sale ticket"):
        ticket_receipt(jet.record, DEMO_CONFIG)
    with pytest.raises(ValueError, match="reprint"):
        ticket_receipt(sale.record, DEMO_CONFIG, reprint=-1)
    unsigned = seal().record
    unsigned.signature = b""
    with pytest.raises(ValueError, match="not signed"):
        ticket_receipt(unsigned, DEMO_CONFIG)


def test_text_that_cp858_cannot_print_never_becomes_a_command() -> None:
    assert printable("Bœuf’s\x1b@\n\t日") == "Boeuf's?@???"
    data = text_slip("ERREUR", ["A\x1bd\x09B", "€ é è à ç ° ù"], DEMO_CONFIG)
    texts = render_text(data)
    assert "A?d?B" in texts and "€ é è à ç ° ù" in texts


def test_text_slip_layout() -> None:
    paper = render_lines(text_slip("VERSION", ["Ligne un", ""], DEMO_CONFIG))
    texts = [line.text for line in paper]
    title = texts.index("VERSION")
    assert paper[title].bold and paper[title].align == "center"
    assert texts[title + 1] == "-" * 42
    assert texts[title + 2 : title + 5] == ["Ligne un", "", "-" * 42]
    assert texts[0] == DEMO_CONFIG.merchant.name
    assert f"Logiciel : {version.SOFTWARE_NAME} {version.SOFTWARE_VERSION}" in texts
    assert "DOCUMENT NON FISCAL" in texts and "Terminal : DEMO-0001" in texts
    assert paper[-1].cut


@pytest.mark.parametrize(
    ("cents", "text"),
    [(1250, "12,50 €"), (5, "0,05 €"), (0, "0,00 €"), (-1250, "-12,50 €"), (123456, "1234,56 €")],
)
def test_format_amount(cents: int, text: str) -> None:
    assert format_amount(cents) == text


@pytest.mark.parametrize(
    ("rate", "text"),
    [(2000, "20 %"), (1000, "10 %"), (550, "5,5 %"), (210, "2,1 %"), (1963, "19,63 %")],
)
def test_format_rate(rate: int, text: str) -> None:
    assert format_rate(rate) == text


def test_importing_the_module_does_not_import_python_escpos() -> None:
    code = "import sys, firmware.receipt; print('escpos' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
