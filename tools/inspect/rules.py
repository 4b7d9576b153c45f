"""Rules that one record must follow on its own, whatever surrounds it (docs/SPEC.md §4).

A valid signature proves the terminal wrote a record, not that the record
adds up: these rules catch a terminal that signed wrong amounts or shapes.
Each function returns its problems in French, for the inspector. Rules that
need other records (a return against its sale, periods, closures) are in
``links``, ``periods`` and ``totals``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from tools.inspect.formats import euros
from tools.inspect.model import (
    ARCHIVE_PERIOD,
    ARCHIVE_YEAR,
    CLOSURE_TYPES,
    COUNT_NAMES,
    DOC_GT_MONTH,
    DOC_GT_PERIOD,
    DOC_GT_YEAR,
    DOC_TICKET,
    DOC_TRAINING,
    INVOICE_CREDIT,
    INVOICE_SALE,
    JET_CASH_FLOAT,
    MAX_LINES,
    MAX_PERSONS,
    MAX_TEXT,
    MAX_TIME_UTC,
    MAX_UTC_OFFSET,
    MAX_VAT_RATE,
    OPERATION_RETURN,
    OPERATION_SALE,
    PAY_CASH,
    PAYMENT_MEANS,
    SIGNATURE_BYTES,
    ArchiveBody,
    ClosureBody,
    InvoiceBody,
    JetBody,
    Line,
    NoteBody,
    Pairs,
    Record,
    TicketBody,
    doc_name,
)

LABELS = {
    DOC_GT_PERIOD: (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), "AAAA-MM-JJ"),
    DOC_GT_MONTH: (re.compile(r"(\d{4})-(\d{2})"), "AAAA-MM"),
    DOC_GT_YEAR: (re.compile(r"FY(\d{4})-(\d{2})"), "FYAAAA-MM"),
}


def header_problems(record: Record) -> list[str]:
    """Return what is wrong with the bounds of a record's time and offset."""
    problems = []
    if record.time_utc > MAX_TIME_UTC:
        problems.append(f"horodatage {record.time_utc} au-delà de l'an 9999")
    if abs(record.utc_offset) > MAX_UTC_OFFSET:
        problems.append(f"décalage horaire {record.utc_offset} min hors de ±{MAX_UTC_OFFSET}")
    return problems


def ticket_problems(doc_type: int, body: TicketBody) -> list[str]:
    """Return what is wrong with a TICKET's or FORMATION ticket's own content."""
    problems: list[str] = []
    sale = body.operation == OPERATION_SALE
    if not sale and body.operation != OPERATION_RETURN:
        problems.append(f"type d'opération « {body.operation} » inconnu")
    sign = 1 if sale else -1 if body.is_return else 0
    problems += _line_problems(body.lines, "ticket", sign, _what(body))
    problems.extend(_payment_problems(body))
    if body.is_return:
        if not body.reason.strip():
            problems.append("retour sans motif")
        problems.extend(text_problems((body.reason,), "motif : "))
    else:
        if body.ref_number:
            problems.append(f"ticket retourné n°{body.ref_number} sur {_what(body)}")
        if body.reason:
            problems.append(f"motif de retour sur {_what(body)}")
    if doc_type == DOC_TRAINING:
        if body.gt_real or body.gt_absolute:
            problems.append("grands totaux non nuls sur un ticket de formation")
        if body.gt_signature:
            problems.append("signature GT_TICKET sur un ticket de formation")
        if body.is_return:
            problems.append("retour en mode formation")
    elif doc_type == DOC_TICKET and len(body.gt_signature) != SIGNATURE_BYTES:
        problems.append(f"signature GT_TICKET de {len(body.gt_signature)} octets au lieu de 64")
    return problems


def note_problems(body: NoteBody) -> list[str]:
    """Return what is wrong with a NOTE's own content: sale lines, 1 to 99 persons."""
    problems = _line_problems(body.lines, "note", 1, "une note")
    if not 1 <= body.persons <= MAX_PERSONS:
        problems.append(f"note partagée par {body.persons} personnes (de 1 à {MAX_PERSONS})")
    return problems


def _line_problems(lines: tuple[Line, ...], document: str, sign: int, what: str) -> list[str]:
    """Return what is wrong with item lines; ``sign`` is that of the quantities (0: any)."""
    problems: list[str] = []
    if not lines:
        problems.append(f"{document} sans ligne")
    elif len(lines) > MAX_LINES:
        problems.append(f"{len(lines)} lignes (au plus {MAX_LINES})")
    for position, line in enumerate(lines, 1):
        if (sign > 0 and line.quantity <= 0) or (sign < 0 and line.quantity >= 0):
            problems.append(f"ligne {position} : quantité {line.quantity} sur {what}")
        if line.unit_price < 0:
            problems.append(f"ligne {position} : prix unitaire négatif {euros(line.unit_price)}")
        if line.vat_rate > MAX_VAT_RATE:
            problems.append(f"ligne {position} : taux de TVA {line.vat_rate} hors format")
        if len(line.ref) > MAX_TEXT or len(line.label) > MAX_TEXT:  # seldom: said below
            problems.extend(text_problems((line.ref, line.label), f"ligne {position} : "))
    return problems


def _what(body: TicketBody) -> str:
    return "un retour" if body.is_return else "une vente"


def _payment_problems(body: TicketBody) -> list[str]:
    problems: list[str] = []
    for payment in body.payments:
        if payment.means not in PAYMENT_MEANS:
            problems.append(f"moyen de paiement {payment.means} inconnu")
        if (payment.amount <= 0 and not body.is_return) or (payment.amount >= 0 and body.is_return):
            problems.append(f"paiement de {euros(payment.amount)} sur {_what(body)}")
    total = body.total
    if body.paid - body.change != total:
        problems.append(
            f"paiements {euros(body.paid)} − rendu {euros(body.change)} ≠ total {euros(total)}"
        )
    cash = sum(p.amount for p in body.payments if p.means == PAY_CASH)
    if body.change > max(cash, 0):
        problems.append(f"rendu {euros(body.change)} supérieur aux espèces {euros(cash)}")
    if body.is_return and body.change:
        problems.append(f"rendu {euros(body.change)} sur un retour")
    return problems


def perpetual_problems(body: TicketBody, previous: tuple[int, int]) -> list[str]:
    """Return what is wrong with a ticket's perpetual totals after ``previous`` (real, abs)."""
    real, absolute = previous[0] + body.total, previous[1] + body.absolute_total
    problems = []
    if body.gt_real != real:
        problems.append(
            f"grand total perpétuel réel {euros(body.gt_real)} au lieu de {euros(real)}"
        )
    if body.gt_absolute != absolute:
        problems.append(
            f"grand total perpétuel absolu {euros(body.gt_absolute)} au lieu de {euros(absolute)}"
        )
    return problems


def jet_problems(body: JetBody) -> list[str]:
    """Return what is wrong with a JET line's own content."""
    problems = text_problems((body.text,), "texte : ")
    if body.code == JET_CASH_FLOAT and body.amount < 0:
        problems.append(f"fond de caisse négatif {euros(body.amount)}")
    return problems


def invoice_problems(body: InvoiceBody) -> list[str]:
    """Return what is wrong with an invoice's own content (its ticket is checked elsewhere)."""
    problems = []
    if body.kind not in (INVOICE_SALE, INVOICE_CREDIT):
        problems.append(f"nature de facture « {body.kind} » inconnue")
    if not body.customer.strip():
        problems.append("facture sans nom de client")
    if not body.postcode.strip():
        problems.append("facture sans code postal du client")
    problems.extend(text_problems((body.customer, body.postcode, body.vat_number), "client : "))
    problems.extend(order_problems(body.vat, "TVA de la facture", descending=True))
    return problems


def closure_problems(doc_type: int, body: ClosureBody) -> list[str]:
    """Return what is wrong with a closure's label and list orders (figures: ``totals``)."""
    pattern, form = LABELS[doc_type]
    found = pattern.fullmatch(body.label)
    problems = []
    if found is None or not _valid_date(found.groups()):
        problems.append(f"période « {body.label} » illisible ({form} attendu)")
    if len(body.counts) != len(COUNT_NAMES):
        problems.append(f"{len(body.counts)} compteurs au lieu de {len(COUNT_NAMES)}")
    problems += order_problems(body.vat, "TVA", descending=True)
    return problems + order_problems(body.payments, "paiements", descending=False)


def archive_problems(record: Record, body: ArchiveBody) -> list[str]:
    """Return what is wrong with an archive's own content (its closure: ``archives``)."""
    problems = []
    if body.kind not in (ARCHIVE_PERIOD, ARCHIVE_YEAR):
        problems.append(f"nature d'archive « {body.kind} » inconnue")
    if body.closure_type not in CLOSURE_TYPES:
        problems.append(f"archive d'un document {doc_name(body.closure_type)}, pas d'une clôture")
    else:
        kind = ARCHIVE_YEAR if body.closure_type == DOC_GT_YEAR else ARCHIVE_PERIOD
        if body.kind != kind:
            problems.append(
                f"nature « {body.kind} » au lieu de « {kind} » pour une "
                f"{doc_name(body.closure_type)}"
            )
    if not 1 <= body.from_seq <= body.to_seq < record.seq:
        problems.append(
            f"enregistrements archivés n°{body.from_seq} à n°{body.to_seq} : "
            f"plage invalide avant le n°{record.seq}"
        )
    name = body.file_name
    if not name or "/" in name or "\x00" in name or name in (".", ".."):
        problems.append(f"nom de fichier d'archive « {name} » invalide")
    problems += text_problems((name,), "nom de fichier : ")
    return problems + order_problems(body.vat, "TVA", descending=True)


def _valid_date(parts: tuple[str | Any, ...]) -> bool:
    numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
    try:
        date(*numbers)
    except ValueError:
        return False
    return True


def order_problems(pairs: Pairs, what: str, descending: bool) -> list[str]:
    """Return a problem if the keys of ``pairs`` are not strictly ordered as the SPEC says."""
    keys = [key for key, _ in pairs]
    expected = sorted(set(keys), reverse=descending)
    if keys == expected:
        return []
    order = "décroissant" if descending else "croissant"
    return [f"{what} : ordre {order} sans doublon attendu ({', '.join(map(str, keys))})"]


def text_problems(texts: tuple[str, ...], where: str) -> list[str]:
    """Return a problem for each text longer than the format allows."""
    return [
        f"{where}texte de {len(t)} caractères (au plus {MAX_TEXT})"
        for t in texts
        if len(t) > MAX_TEXT
    ]
