"""Every printed document beyond the sale ticket: mandatory mentions, goldens, training, split.

The records are the fiscal core's own (``tests/vectors/make_vectors.scenario``:
one of every type on a fixed key), each document is read back through the
simulator's ESC/POS interpreter. Golden files live in ``tests/golden/`` (a
``.bin`` per document type and its rendering as ``.txt``); after an intended
layout change, regenerate them and review the ``.txt`` diff::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/firmware/test_printouts.py
"""

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware import version
from firmware.config import Operator, TerminalConfig
from firmware.demo import DEMO_CONFIG
from firmware.print_layout import format_amount
from firmware.print_reports import COUNT_NAMES
from firmware.printouts import (
    MAX_PERSONS,
    closure_report,
    duplicate_receipt,
    invoice_document,
    payment_proof,
    payment_proofs,
    provisional_note,
    rights_list,
    split_per_person,
    ticket_receipt,
    version_slip,
    x_report,
)
from firmware.rights import ROLE_NAMES, rights_table
from fiscal_core import codes
from fiscal_core.closures import ClosureBody, Totals
from fiscal_core.ed25519 import Ed25519Signer, b64url, signature_extract
from fiscal_core.ledger import Ledger
from fiscal_core.links import DocumentLinks
from fiscal_core.records import Line, Payment, Record
from fiscal_core.state import LedgerState
from simulator.escpos_text import PaperLine, render_lines, render_text
from tests.firmware.test_receipt import check_golden, one
from tests.vectors.make_vectors import SEED, T0, scenario
from tools.inspect.report import fingerprint as inspector_fingerprint

CONFIG = dataclasses.replace(DEMO_CONFIG, terminal_id="TEST-0001")
NEXT_DAY = T0 + 86400 + 3600  # 2026-01-01 10:00 UTC: after every record of the scenario
NOTE_LINES = [Line("P1", "Cafe grain 250g", 3, 450, 550), Line("P10", "Sandwich", 1, 550, 1000)]
GT = {"gt_real": 1815, "gt_absolute": 2055}
Records = dict[str, Record]
Builder = Callable[[Records, TerminalConfig], bytes]


@pytest.fixture(scope="module")
def rec() -> Records:
    """Every record of the scenario by name, plus documents sealed the next day (``extra_*``)."""
    records = {name: sealed.record for name, sealed in scenario()}
    state = LedgerState()
    for record in records.values():
        state.advance(record)
    ledger = Ledger("TEST-0001", Ed25519Signer(SEED), state)
    at = {"time_utc": NEXT_DAY, "utc_offset": 60, "operator_id": 2}
    if not state.period_open:  # the scenario may already end in an open period
        ledger.accept(ledger.open_period(**at, cash_float=0))
    for name, original in (
        ("training", records["training_first"]),
        ("invoice", records["invoice_first"]),
        ("closure", records["closure_day_first"]),
    ):
        links = DocumentLinks.after(original, list(records.values()))
        sealed = ledger.seal_duplicate(**at, original=original, links=links)
        ledger.accept(sealed)
        records[f"extra_duplicate_{name}"] = sealed.record
    credit = ledger.seal_invoice(
        time_utc=NEXT_DAY,
        utc_offset=60,
        operator_id=2,
        ticket=records["ticket_return"],
        links=DocumentLinks.after(records["ticket_return"], list(records.values())),
        customer="Martin Claire",
        postcode="69003",
    )
    records["extra_credit_note"] = credit.record
    return records


def before(rec: Records, name: str) -> LedgerState:
    """Return the ledger state just before record ``name`` of the scenario."""
    state = LedgerState()
    for key, record in rec.items():
        if key == name:
            return state
        state.advance(record)
    raise KeyError(name)


def running_x(rec: Records, config: TerminalConfig = CONFIG) -> bytes:
    state = before(rec, "closure_day_first")
    return x_report(
        state.day,
        config,
        time_utc=T0 + 600,
        utc_offset=60,
        operator_id=3,
        period_label=state.closure_label(codes.DOC_GT_PERIOD),
        gt_real=state.gt_real,
        gt_absolute=state.gt_absolute,
    )


def note(_: Records, config: TerminalConfig = CONFIG, training: bool = False) -> bytes:
    return provisional_note(
        NOTE_LINES, 3, config, time_utc=T0, utc_offset=60, operator_id=2, training=training
    )


BUILDERS: dict[str, Builder] = {
    "ticket_return": lambda r, c: ticket_receipt(r["ticket_return"], c),
    "ticket_training": lambda r, c: ticket_receipt(r["training_first"], c),
    "duplicate": lambda r, c: duplicate_receipt(r["duplicate_first"], r["ticket_first"], c),
    "invoice": lambda r, c: invoice_document(r["invoice_first"], r["ticket_chained"], c),
    "closure_day": lambda r, c: closure_report(r["closure_day_first"], c),
    "closure_month": lambda r, c: closure_report(r["closure_month_first"], c),
    "closure_year": lambda r, c: closure_report(r["closure_year_first"], c),
    "x_report": running_x,
    "version": lambda r, c: version_slip(c, Ed25519Signer(SEED).public_key),
    "rights_list": lambda r, c: rights_list(c),
    "payment_proof": lambda r, c: payment_proof(r["ticket_first"], c),
    "provisional_note": note,
}


def texts(data: bytes) -> list[str]:
    return [line.text for line in render_lines(data)]


def extract(record: Record) -> str:
    return signature_extract(b64url(record.signature))


def row(left: str, right: str) -> str:
    """Return ``left`` and ``right`` flush to the margins of a 42-column line."""
    return left + right.rjust(42 - len(left))


def size(line: PaperLine) -> tuple[int, int]:
    return (2 if line.double_width else 1, 2 if line.double_height else 1)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_document_bytes_equal_the_golden_file(rec: Records, name: str) -> None:
    data = BUILDERS[name](rec, CONFIG)
    check_golden(f"{name}.bin", data)
    check_golden(f"{name}.txt", "".join(f"{t}\n" for t in render_text(data)).encode())


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("columns", [42, 32, 16])
def test_every_document_is_pure_framed_and_fits_the_paper(
    rec: Records, name: str, columns: int
) -> None:
    config = dataclasses.replace(CONFIG, paper_columns=columns)
    data = BUILDERS[name](rec, config)
    assert data == BUILDERS[name](rec, config)
    assert data.startswith(b"\x1b@\x1bt\x13") and data.endswith(b"\x1bd\x06\x1dV\x01")
    paper = render_lines(data, columns)
    assert any(first.startswith(paper[0].text) for first in (CONFIG.merchant.name, "FORMATION"))
    assert all(len(line.aligned()) <= line.columns for line in paper)
    assert [line.cut for line in paper].count(True) == 1 and paper[-1].cut


TRAINING_PRINTS: dict[str, Builder] = {
    "ticket": BUILDERS["ticket_training"],
    "late ticket": lambda r, c: ticket_receipt(r["training_first"], c, late=True),
    "duplicate": lambda r, c: duplicate_receipt(
        r["extra_duplicate_training"], r["training_first"], c
    ),
    "payment proof": lambda r, c: payment_proof(r["training_first"], c),
    "note": lambda r, c: note(r, c, training=True),
}


@pytest.mark.parametrize("name", sorted(TRAINING_PRINTS))
def test_training_prints_carry_the_mention_top_and_bottom_no_smaller_than_the_rest(
    rec: Records, name: str
) -> None:
    paper = [line for line in render_lines(TRAINING_PRINTS[name](rec, CONFIG)) if line.text]
    mention = "FORMATION NON VALABLE POUR ENCAISSEMENT"
    top, bottom = paper[:3], paper[-4:-1]  # the cut mark is last
    for block in (top, bottom):
        assert " ".join(line.text for line in block) == mention
        assert all(line.bold and line.align == "center" for line in block)
        for line in paper:
            assert all(a >= b for m in block for a, b in zip(size(m), size(line), strict=True))


def test_a_real_ticket_carries_no_training_mention(rec: Records) -> None:
    joined = "\n".join(texts(ticket_receipt(rec["ticket_first"], CONFIG)))
    assert "FORMATION" not in joined and "NON VALABLE" not in joined


def test_duplicate_prints_its_own_number_date_operator_and_signature(rec: Records) -> None:
    duplicate, original = rec["duplicate_first"], rec["ticket_first"]
    paper = render_lines(duplicate_receipt(duplicate, original, CONFIG))
    banner = one(paper, "DUPLICATA N°")
    assert (banner.text, banner.bold, banner.double_height) == ("DUPLICATA N° 1", True, True)
    assert paper.index(banner) == 7  # right after the merchant block
    heading = paper[8]
    assert heading.text.startswith("Duplicata") and heading.text.endswith("N° 000001")
    assert paper[9].text == "Date : 31/12/2025 10:05:00"
    assert paper[11].text == "Opérateur : 1 - Camille"
    assert one(paper, "Original : ").text == "Original : TICKET N° 000001"
    assert one(paper, "TICKET DE VENTE").text.endswith("N° 000001")
    assert one(paper, "Date : 31/12/2025 10:02:00")  # the original's own date
    assert one(paper, "Réimpression").text == "Réimpression : 1"
    own = one(paper, "Signature du duplicata")
    assert own.text == f"Signature du duplicata : {extract(duplicate)}" and own.bold
    assert one(paper, "Signature de l'").text == f"Signature de l'original : {extract(original)}"
    assert extract(duplicate) != extract(original)


def test_duplicates_of_an_invoice_and_a_closure_reprint_them(rec: Records) -> None:
    dup, invoice = rec["extra_duplicate_invoice"], rec["invoice_first"]
    with pytest.raises(ValueError, match="needs the ticket"):
        duplicate_receipt(dup, invoice, CONFIG)
    paper = render_lines(duplicate_receipt(dup, invoice, CONFIG, ticket=rec["ticket_chained"]))
    assert one(paper, "FACTURE").text.endswith("N° 000001")
    assert one(paper, "Original : ").text == "Original : FACTURE N° 000001"
    assert one(paper, "Signature du duplicata").text.endswith(extract(dup))
    dup, closure = rec["extra_duplicate_closure"], rec["closure_day_first"]
    joined = texts(duplicate_receipt(dup, closure, CONFIG))
    assert "CLOTURE JOURNALIERE (Z)" in joined and "DUPLICATA N° 1" in joined
    assert f"Signature de l'original : {extract(closure)}" in joined


def test_duplicate_refuses_records_that_do_not_match(rec: Records) -> None:
    with pytest.raises(ValueError, match="is not a duplicate of"):
        duplicate_receipt(rec["duplicate_first"], rec["ticket_chained"], CONFIG)
    with pytest.raises(ValueError, match="is not a duplicate"):
        duplicate_receipt(rec["ticket_first"], rec["ticket_first"], CONFIG)


def test_invoice_mentions(rec: Records) -> None:
    invoice = rec["invoice_first"]
    paper = render_lines(invoice_document(invoice, rec["ticket_chained"], CONFIG))
    joined = [line.text for line in paper]
    assert joined[:6] == [
        CONFIG.merchant.name,
        *CONFIG.merchant.address,
        "SIRET 12345678200017",
        "NAF 4711B",
        "TVA intracom. FR32123456782",
    ]
    title = one(paper, "FACTURE")
    assert title.bold and title.text.endswith("N° 000001")
    for text in (
        "Date : 31/12/2025 10:06:00",
        "Nom : SARL Dupont, traiteur",
        "Code postal : 75002",
        "TVA intracom. client : FR40303265045",
        "Date du ticket : 31/12/2025 10:03:00",
        "Sandwich jambon",
        row("TOTAL HT", "5,00 €"),
        row("TOTAL TVA", "0,50 €"),
        "TOTAL TTC      5,50 €",
        "B 10 %        5,00 €     0,50 €     5,50 €",
        row("CARTE BANCAIRE", "5,50 €"),
        f"Logiciel : {version.SOFTWARE_NAME} {version.SOFTWARE_VERSION}",
        f"Signature : {extract(invoice)}",
    ):
        assert text in joined, text
    assert one(paper, "TICKET DE VENTE").text.endswith("N° 000002")


def test_credit_note_of_a_return_without_vat_number(rec: Records) -> None:
    credit = rec["extra_credit_note"]
    paper = render_lines(invoice_document(credit, rec["ticket_return"], CONFIG))
    joined = [line.text for line in paper]
    assert joined[7] == row("AVOIR", "N° 000002") and paper[7].bold
    assert "Nom : Martin Claire" in joined and "Code postal : 69003" in joined
    assert not [t for t in joined if t.startswith("TVA intracom. client")]
    assert row("REMBOURSEMENT ESPECES", "-1,20 €") in joined
    assert one(paper, "TICKET DE RETOUR").text == row("TICKET DE RETOUR", "N° 000003")
    with pytest.raises(ValueError, match="does not enrich"):
        invoice_document(credit, rec["ticket_first"], CONFIG)


CLOSURES = [
    ("closure_day_first", "CLOTURE JOURNALIERE (Z)", "journée du 31/12/2025", 11),
    ("closure_month_first", "CLOTURE MENSUELLE", "mois de 12/2025", 12),
    ("closure_year_first", "CLOTURE D'EXERCICE", "exercice ouvert en 01/2025", 13),
]
# What the scenario's closures state: 2 sales, 1 return, 1 duplicate, 1 invoice, float 150,00.
FIGURES = [
    row("Grand total précédent", "0,00 €"),
    row("Total période (réel)", "18,15 €"),
    row("Total période (absolu)", "20,55 €"),
    row("Grand total perpétuel (réel)", "18,15 €"),
    row("Grand total perpétuel (absolu)", "20,55 €"),
    "A 20 %        5,79 €     1,16 €     6,95 €",  # HT = TTC / 1.2, rounded half away
    "B 10 %        5,00 €     0,50 €     5,50 €",
    "C 5,5 %       5,40 €     0,30 €     5,70 €",
    "Total        16,19 €     1,96 €    18,15 €",
    row("ESPECES", "12,65 €"),  # 20,00 - 6,15 change + 0 - 1,20 refunded
    row("CARTE BANCAIRE", "5,50 €"),
    row("Ventes", "2"),
    row("Retours", "1"),
    row("Duplicata", "1"),
    row("Factures", "1"),
    row("Ventes abandonnées", "0"),
    row("Lignes annulées", "0"),
    row("Fond de caisse", "150,00 €"),
    row("Mouvements d'espèces", "0,00 €"),
    row("ESPECES ATTENDUES", "162,65 €"),
]


@pytest.mark.parametrize(("name", "title", "period", "seq"), CLOSURES)
def test_closure_report_mentions(
    rec: Records, name: str, title: str, period: str, seq: int
) -> None:
    record = rec[name]
    paper = render_lines(closure_report(record, CONFIG))
    heading = one(paper, title)
    assert heading.bold and heading.double_height and heading.align == "center"
    assert one(paper, "Clôture").text.endswith("N° 000001")
    joined = [line.text for line in paper]
    for text in (
        f"Période : {period}",
        f"Enregistrements : n° 1 à {seq}",
        "Terminal : TEST-0001",
        "Opérateur : 1 - Camille",
        *FIGURES,
        f"Signature : {extract(record)}",
    ):
        assert text in joined, text
    assert joined.index(FIGURES[0]) < joined.index(FIGURES[5]) < joined.index(FIGURES[-1])


def test_closure_prints_each_field_of_its_record() -> None:
    record = Record(
        codes.DOC_GT_PERIOD, 99, 7, T0, 60, "TEST-0001", 2, closure_body(), bytes(range(64))
    )
    joined = texts(closure_report(record, CONFIG))
    for text in (
        row("Grand total précédent", "1000,01 €"),
        row("Total période (réel)", "30,00 €"),
        row("Total période (absolu)", "50,00 €"),
        row("Grand total perpétuel (réel)", "1030,01 €"),
        row("Grand total perpétuel (absolu)", "2000,00 €"),
        "B 10 %       30,91 €     3,09 €    34,00 €",
        row("CHEQUE", "40,00 €"),
        row("MOYEN 9", "-10,00 €"),
        *(row(name, str(n)) for name, n in zip(COUNT_NAMES, range(3, 9), strict=True)),
        row("Fond de caisse", "100,00 €"),
        row("Espèces encaissées (nettes)", "-4,00 €"),
        row("Mouvements d'espèces", "-25,00 €"),
        row("ESPECES ATTENDUES", "71,00 €"),  # 100 - 4 - 25
        "Enregistrements : n° 42 à 99",
        "Période : journée du 01/02/2026",
    ):
        assert text in joined, text
    assert one(render_lines(closure_report(record, CONFIG)), "Clôture").text.endswith("000007")


def test_x_report_is_read_only_and_states_what_the_z_then_signs(rec: Records) -> None:
    paper = render_lines(running_x(rec))
    title = one(paper, "RAPPORT X")
    assert title.bold and title.double_width and title.double_height
    marks = [line for line in paper if line.text == "DOCUMENT NON FISCAL - LECTURE SEULE"]
    assert len(marks) == 2 and all(line.bold for line in marks)
    x = [line.text for line in paper]
    z = texts(closure_report(rec["closure_day_first"], CONFIG))
    figures = slice(x.index(FIGURES[0]), x.index(FIGURES[-1]) + 1)
    assert x[figures] == z[z.index(FIGURES[0]) : z.index(FIGURES[-1]) + 1]
    assert "Période en cours : journée du 31/12/2025" in x and "Date : 31/12/2025 10:10:00" in x
    assert "Opérateur : 3 - Dominique" in x and "Terminal : TEST-0001" in x
    assert not [t for t in x if t.startswith("Signature") or "N° 0" in t]


def test_x_report_without_an_open_period_and_a_previous_grand_total() -> None:
    data = x_report(
        Totals(1), CONFIG, time_utc=T0, utc_offset=60, operator_id=1, period_label="", **GT
    )
    joined = texts(data)
    assert "Période en cours : aucune période ouverte" in joined
    assert row("Grand total précédent", "18,15 €") in joined  # nothing since the last closure
    assert row("Grand total perpétuel (absolu)", "20,55 €") in joined


def test_version_slip() -> None:
    key = Ed25519Signer(SEED).public_key
    joined = texts(version_slip(CONFIG, key))
    assert "VERSION DU LOGICIEL" in joined
    assert f"Nom du logiciel : {version.SOFTWARE_NAME}" in joined
    assert f"Version : {version.SOFTWARE_VERSION}" in joined
    assert f"Catégorie du certificat : {version.CERTIFICATE_CATEGORY}" in joined
    assert f"Numéro du certificat : {version.CERTIFICATE_NUMBER}" in joined
    # The key's fingerprint, as the inspector's tool reports it (its own implementation).
    label = joined.index("Clé de signature, empreinte SHA-256 :")
    assert joined[label + 1] == inspector_fingerprint(key)


def test_rights_list_names_every_operator_and_every_right_never_a_pin() -> None:
    operators = (Operator(9, "Alix", "918273", "admin"), Operator(4, "Noa", "564738", "cashier"))
    data = rights_list(dataclasses.replace(CONFIG, operators=operators))
    joined = texts(data)
    admin = row("9 - Alix", ROLE_NAMES["admin"])
    assert joined.index(row("4 - Noa", ROLE_NAMES["cashier"])) < joined.index(admin)
    assert not [t for t in joined if "918273" in t or "564738" in t]
    start = joined.index("Droits")
    for key, label, roles in rights_table():
        at = joined.index(row(label, key), start)
        wrapped = " ".join(t.strip() for t in joined[at + 1 : at + 3])
        assert wrapped.startswith(", ".join(roles)), label


def test_payment_proof_is_not_signed_and_says_it_is_not_valid_for_payment(rec: Records) -> None:
    paper = render_lines(payment_proof(rec["ticket_first"], CONFIG))
    assert one(paper, "JUSTIFICATIF DE PAIEMENT").double_height
    marks = [li for li in paper if li.text == "JUSTIFICATIF NON VALABLE POUR ENCAISSEMENT"]
    assert len(marks) == 2 and all(line.bold for line in marks)
    joined = [line.text for line in paper]
    assert one(paper, "TICKET DE VENTE").text.endswith("N° 000001")
    assert "Date du ticket : 31/12/2025 10:02:00" in joined
    assert row("MONTANT PAYE", "13,85 €") in joined
    assert row("ESPECES", "20,00 €") in joined and row("RENDU", "6,15 €") in joined
    assert not [t for t in joined if "Signature" in t]
    refund = texts(payment_proof(rec["ticket_return"], CONFIG))
    assert row("MONTANT REMBOURSE", "-1,20 €") in refund
    assert row("REMBOURSEMENT ESPECES", "-1,20 €") in refund


def test_provisional_note(rec: Records) -> None:
    paper = render_lines(note(rec))
    title = paper[7]
    assert (title.text, title.bold, title.double_width, title.double_height) == (
        "DOCUMENT PROVISOIRE",
        True,
        True,
        True,
    )
    assert paper[8].text == "NOTE - NON VALABLE COMME TICKET" and paper[8].bold
    joined = [line.text for line in paper]
    assert "  3 x 4,50 €                     13,50 € C" in joined
    assert "TOTAL TTC     19,00 €" in joined and "Partage : 3 personnes" in joined
    parts = [t for t in joined if t.startswith("Personne")]
    amounts = ["6,34 €", "6,33 €", "6,33 €"]  # 19,00 / 3: the first person pays the extra cent
    assert parts == [row(f"Personne {i}", a) for i, a in enumerate(amounts, start=1)]
    assert not [t for t in joined if "Signature" in t or "N° 0" in t]


@settings(derandomize=True, database=None)
@given(st.integers(-(10**9), 10**9), st.integers(1, MAX_PERSONS))
def test_split_adds_up_and_the_first_persons_pay_the_extra_cents(total: int, persons: int) -> None:
    parts = split_per_person(total, persons)
    assert len(parts) == persons and sum(parts) == total
    assert parts == sorted(parts, reverse=True) and parts[0] - parts[-1] <= 1


@settings(derandomize=True, database=None, deadline=None, max_examples=40)
@given(
    st.lists(st.tuples(st.integers(1, 50), st.integers(0, 99999)), min_size=1, max_size=6),
    st.integers(1, 12),
)
def test_printed_parts_add_up_to_the_printed_total(
    items: list[tuple[int, int]], persons: int
) -> None:
    lines = [Line(f"D{i}", f"Article {i}", q, p, 2000) for i, (q, p) in enumerate(items)]
    joined = texts(
        provisional_note(lines, persons, CONFIG, time_utc=T0, utc_offset=60, operator_id=1)
    )
    parts = [cents(t.split()[-2]) for t in joined if t.startswith("Personne ")]
    total = cents(next(t for t in joined if t.startswith("TOTAL TTC")).split()[-2])
    assert len(parts) == persons and sum(parts) == total == sum(li.total for li in lines)


@pytest.mark.parametrize("persons", [0, -1, MAX_PERSONS + 1])
def test_a_note_is_split_between_one_and_max_persons(persons: int) -> None:
    with pytest.raises(ValueError, match="split between"):
        provisional_note(NOTE_LINES, persons, CONFIG, time_utc=T0, utc_offset=60, operator_id=1)


def cents(text: str) -> int:
    """Return the cents of a printed amount without its euro sign (``-12,50`` -> -1250)."""
    assert format_amount(int(text.replace(",", ""))) == f"{text} €"
    return int(text.replace(",", ""))


def closure_body() -> ClosureBody:
    """Return a closure body whose every field has its own value."""
    return ClosureBody(
        label="2026-02-01",
        from_seq=42,
        vat=[(1000, 3400), (550, -400)],
        total_real=3000,
        total_absolute=5000,
        previous_gt_real=100001,
        gt_real=103001,
        gt_absolute=200000,
        payments=[(codes.PAY_CASH, -400), (codes.PAY_CHEQUE, 4000), (9, -1000)],
        counts=[3, 4, 5, 6, 7, 8],
        cash_float=10000,
        cash_moves=-2500,
    )


def test_a_shared_payment_gets_one_proof_per_payment_line(rec: Records) -> None:
    state = LedgerState()
    for record in rec.values():
        state.advance(record)
    ledger = Ledger("TEST-0001", Ed25519Signer(SEED), state)
    if not state.period_open:
        ledger.accept(
            ledger.open_period(time_utc=NEXT_DAY, utc_offset=60, operator_id=1, cash_float=0)
        )
    shared = ledger.seal_ticket(
        time_utc=NEXT_DAY,
        utc_offset=60,
        operator_id=1,
        lines=NOTE_LINES,
        payments=[Payment(codes.PAY_CARD, 1000), Payment(codes.PAY_CASH, 900)],
    ).record
    data = payment_proofs(shared, DEMO_CONFIG)
    text = "\n".join(render_text(data))
    assert text.count("JUSTIFICATIF NON VALABLE POUR ENCAISSEMENT") == 4  # top and bottom, twice
    assert "Part 1 sur 2" in text and "Part 2 sur 2" in text
    assert data.count(b"\x1dV") == 2  # two slips, two cuts
