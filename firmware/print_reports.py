"""Period reports as ESC/POS bytes: the signed closures (Z, month, fiscal year) and the X report.

A closure report prints what its signed record states; the X report prints
the same figures from the running ``Totals`` of a period, read only, with no
number and no signature. Both share ``figures``: grand totals, VAT table,
payment means, counts and the cash expected in the drawer. Pure functions.
"""

from firmware.config import TerminalConfig
from firmware.print_layout import (
    LARGE,
    TALL,
    Paper,
    format_amount,
    heading,
    merchant_block,
    operator_text,
    rate_letters,
    reprint_line,
    require_signed,
    signature_line,
    software_block,
    vat_table,
)
from fiscal_core import codes
from fiscal_core.civil import local_date_time
from fiscal_core.closures import ClosureBody, Totals
from fiscal_core.records import Record
from fiscal_core.vat import VatLine

CLOSURE_TITLES = {
    codes.DOC_GT_PERIOD: "CLOTURE JOURNALIERE (Z)",
    codes.DOC_GT_MONTH: "CLOTURE MENSUELLE",
    codes.DOC_GT_YEAR: "CLOTURE D'EXERCICE",
}
X_TITLE = "RAPPORT X"
READ_ONLY = "DOCUMENT NON FISCAL - LECTURE SEULE"
COUNT_NAMES = (
    "Ventes",
    "Retours",
    "Duplicata",
    "Factures",
    "Ventes abandonnées",
    "Lignes annulées",
)


def period_text(label: str) -> str:
    """Return a period label as printed: a day, a month or a fiscal year by its first month.

    ``2025-12-31`` -> ``journée du 31/12/2025``, ``2025-12`` -> ``mois de
    12/2025``, ``FY2025-01`` -> ``exercice ouvert en 01/2025``; any other
    label is printed as it is.
    """
    parts = label.removeprefix("FY").split("-")
    if not all(part.isdigit() for part in parts):
        return label
    if label.startswith("FY") and len(parts) == 2:
        return f"exercice ouvert en {parts[1]}/{parts[0]}"
    if len(parts) == 3:
        return f"journée du {parts[2]}/{parts[1]}/{parts[0]}"
    if len(parts) == 2:
        return f"mois de {parts[1]}/{parts[0]}"
    return label


def closure_body(record: Record) -> ClosureBody:
    """Return the body of a closure record; raise ValueError for another record."""
    body = record.body
    if record.doc_type not in CLOSURE_TITLES or not isinstance(body, ClosureBody):
        raise ValueError(f"{record!r} is not a closure")
    return body


def figures(paper: Paper, body: ClosureBody, config: TerminalConfig) -> None:
    """Print a period's figures: grand totals, VAT, payment means, counts and cash."""
    paper.pair("Grand total précédent", format_amount(body.previous_gt_real))
    paper.pair("Total période (réel)", format_amount(body.total_real), bold=True)
    paper.pair("Total période (absolu)", format_amount(body.total_absolute))
    paper.pair("Grand total perpétuel (réel)", format_amount(body.gt_real), bold=True)
    paper.pair("Grand total perpétuel (absolu)", format_amount(body.gt_absolute))
    paper.rule()
    letters = rate_letters(config, [rate for rate, _ in body.vat])
    vat_table(paper, [VatLine(rate, ttc) for rate, ttc in body.vat], letters)
    paper.rule()
    paper.line("Moyens de paiement", bold=True)
    for means, amount in body.payments:
        paper.pair(codes.PAYMENT_NAMES.get(means, f"MOYEN {means}"), format_amount(amount))
    if not body.payments:
        paper.line("Aucun paiement")
    paper.rule()
    for name, count in zip(COUNT_NAMES, body.counts, strict=False):
        paper.pair(name, str(count))
    paper.rule()
    cash = dict(body.payments).get(codes.PAY_CASH, 0)
    paper.pair("Fond de caisse", format_amount(body.cash_float))
    paper.pair("Espèces encaissées (nettes)", format_amount(cash))
    paper.pair("Mouvements d'espèces", format_amount(body.cash_moves))
    expected = body.cash_float + cash + body.cash_moves
    paper.pair("ESPECES ATTENDUES", format_amount(expected), bold=True)
    paper.rule()


def closure_content(
    paper: Paper, record: Record, config: TerminalConfig, *, reprint: int = 0
) -> None:
    """Lay out a closure from its title to the software identity (no merchant, no signature)."""
    body = closure_body(record)
    paper.line(CLOSURE_TITLES[record.doc_type], align="center", bold=True, size=TALL)
    heading(paper, "Clôture", record, config)
    paper.line(f"Période : {period_text(body.label)}")
    paper.line(f"Enregistrements : n° {body.from_seq} à {record.seq}")
    paper.rule()
    figures(paper, body, config)
    reprint_line(paper, reprint)
    software_block(paper)


def closure_report(record: Record, config: TerminalConfig) -> bytes:
    """Return the ESC/POS bytes of the report of a signed daily, monthly or fiscal-year closure.

    Raises ValueError if ``record`` is not a signed closure.
    """
    closure_body(record)
    require_signed(record)
    paper = Paper(config.paper_columns)
    merchant_block(paper, config.merchant)
    closure_content(paper, record, config)
    signature_line(paper, record)
    return paper.finish()


def x_report(
    totals: Totals,
    config: TerminalConfig,
    *,
    time_utc: int,
    utc_offset: int,
    operator_id: int,
    period_label: str,
    gt_real: int,
    gt_absolute: int,
) -> bytes:
    """Return the ESC/POS bytes of an X report: a closure's figures read from running totals.

    ``gt_real`` and ``gt_absolute`` are the perpetual totals now; the grand
    total at the previous closure is ``gt_real`` less the period's real
    total. An empty ``period_label`` prints as no open period. Not a fiscal
    document: no number, no signature.
    """
    body = ClosureBody.from_totals(
        period_label, totals, gt_real - totals.total_real, gt_real, gt_absolute
    )
    paper = Paper(config.paper_columns)
    merchant_block(paper, config.merchant)
    paper.line(X_TITLE, align="center", bold=True, size=LARGE)
    paper.line(READ_ONLY, align="center", bold=True)
    paper.line(f"Date : {local_date_time(time_utc, utc_offset)}")
    paper.line(f"Terminal : {config.terminal_id}")
    paper.line(operator_text(config, operator_id))
    period = period_text(period_label) if period_label else "aucune période ouverte"
    paper.line(f"Période en cours : {period}")
    paper.rule()
    figures(paper, body, config)
    software_block(paper)
    paper.line(READ_ONLY, align="center", bold=True)
    return paper.finish()
