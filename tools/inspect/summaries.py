"""One line of French per record, for ``fiscal-inspect list``: what the document says.

``summary(record)`` gives the short text (a ticket's operation, lines,
total and payments; a JET line's code, meaning and text; a closure's
period and totals…); ``details(record)`` the same facts as JSON values
(amounts in integer cents).
"""

from __future__ import annotations

from typing import Any

from tools.inspect.columns import jet_meaning
from tools.inspect.formats import euros
from tools.inspect.model import (
    DOC_TRAINING,
    PAYMENT_MEANS,
    ArchiveBody,
    ClosureBody,
    DuplicateBody,
    InvoiceBody,
    JetBody,
    NoteBody,
    OtherBody,
    Record,
    TicketBody,
    doc_name,
)
from tools.inspect.tosign import vat_field


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def _ticket(record: Record, body: TicketBody) -> str:
    text = f"{body.operation} {_plural(len(body.lines), 'ligne')} {euros(body.total)}"
    paid = ", ".join(
        f"{PAYMENT_MEANS.get(p.means, f'moyen {p.means}')} {euros(p.amount)}" for p in body.payments
    )
    text += f" ; {paid}" if paid else ""
    if body.change:
        text += f" ; rendu {euros(body.change)}"
    if body.is_return:
        text += f" ; retour du ticket n°{body.ref_number} « {body.reason} »"
    if record.doc_type == DOC_TRAINING:
        text += " (formation, compté nulle part)"
    return text


def summary(record: Record) -> str:
    """Return the short French summary of ``record``."""
    body = record.body
    if isinstance(body, TicketBody):
        return _ticket(record, body)
    if isinstance(body, NoteBody):
        lines = _plural(len(body.lines), "ligne")
        persons = _plural(body.persons, "personne")
        return f"note provisoire {lines} {euros(body.total)} pour {persons}"
    if isinstance(body, JetBody):
        text = f"{body.code} {jet_meaning(body.code)} : « {body.text} »"
        text += f" {euros(body.amount)}" if body.amount else ""
        return text + (f" (réf. n°{body.ref})" if body.ref else "")
    if isinstance(body, ClosureBody):
        return (
            f"période {body.label} (depuis n°{body.from_seq}) : total réel "
            f"{euros(body.total_real)}, grand total perpétuel réel {euros(body.gt_real)}"
        )
    if isinstance(body, InvoiceBody):
        vat = f" TVA {body.vat_number}" if body.vat_number else ""
        return (
            f"{body.kind} du ticket n°{body.ticket_number} {euros(body.total)} ; "
            f"client « {body.customer} » {body.postcode}{vat}"
        )
    if isinstance(body, DuplicateBody):
        original = doc_name(body.original_type)
        return f"réimpression n°{body.reprint} de {original} n°{body.original_number}"
    if isinstance(body, ArchiveBody):
        closure = doc_name(body.closure_type)
        return (
            f"{body.kind} : {closure} n°{body.closure_number} (n°{body.from_seq} à "
            f"n°{body.to_seq}), total réel {euros(body.total)}, fichier {body.file_name}"
        )
    assert isinstance(body, OtherBody)
    return f"type de document inconnu ({_plural(len(body.items), 'champ')})"


def details(record: Record) -> dict[str, Any]:
    """Return the main facts of ``record``'s body as JSON values (amounts in cents)."""
    body = record.body
    if isinstance(body, TicketBody):
        return {
            "operation": body.operation,
            "lines": len(body.lines),
            "total": body.total,
            "vat": vat_field(body.vat()),
            "payments": [[p.means, p.amount] for p in body.payments],
            "change": body.change,
            "gt_real": body.gt_real,
            "return_of": body.ref_number or None,
            "reason": body.reason or None,
        }
    if isinstance(body, NoteBody):
        return {"lines": len(body.lines), "total": body.total, "persons": body.persons}
    if isinstance(body, JetBody):
        meaning = jet_meaning(body.code)
        return {"code": body.code, "meaning": meaning, "text": body.text, "amount": body.amount}
    if isinstance(body, ClosureBody):
        return {
            "period": body.label,
            "from_seq": body.from_seq,
            "total_real": body.total_real,
            "gt_real": body.gt_real,
            "gt_absolute": body.gt_absolute,
        }
    if isinstance(body, InvoiceBody):
        return {"kind": body.kind, "ticket": body.ticket_number, "total": body.total}
    if isinstance(body, DuplicateBody):
        original = doc_name(body.original_type)
        return {"original": original, "number": body.original_number, "reprint": body.reprint}
    if isinstance(body, ArchiveBody):
        return {"kind": body.kind, "from_seq": body.from_seq, "to_seq": body.to_seq}
    return {}
