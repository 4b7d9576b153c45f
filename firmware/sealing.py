"""Turns a commit effect into a sealed record: which ledger call, with the time stamped now."""

from __future__ import annotations

from collections.abc import Callable

from firmware.messages import (
    CommitClosure,
    CommitDuplicate,
    CommitInvoice,
    CommitJet,
    CommitNote,
    CommitReturn,
    CommitTicket,
)
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.links import DocumentLinks
from fiscal_core.records import Record

Commit = (
    CommitTicket
    | CommitReturn
    | CommitJet
    | CommitNote
    | CommitClosure
    | CommitDuplicate
    | CommitInvoice
)


def seal(
    ledger: Ledger,
    effect: Commit,
    time_utc: int,
    utc_offset: int,
    links: Callable[[Record], DocumentLinks] | None = None,
) -> Sealed:
    """Return the record ``effect`` asks for; raise FiscalError when a rule forbids it.

    ``links`` reads what the journal holds after a document (firmware/links.py);
    a duplicate, a return or an invoice needs it.
    """
    when = {"time_utc": time_utc, "utc_offset": utc_offset, "operator_id": effect.operator_id}
    if isinstance(effect, CommitTicket):
        return ledger.seal_ticket(**when, lines=list(effect.lines), payments=list(effect.payments))
    if isinstance(effect, CommitReturn):
        return ledger.seal_return(
            **when,
            original=effect.original,
            links=_read(links, effect.original),
            lines=list(effect.lines),
            refunds=list(effect.refunds),
            reason=effect.reason,
        )
    if isinstance(effect, CommitJet):
        return ledger.seal_jet(
            **when, code=effect.code, text=effect.text, amount=effect.amount, ref=effect.ref
        )
    if isinstance(effect, CommitNote):
        return ledger.seal_note(**when, lines=list(effect.lines), persons=effect.persons)
    if isinstance(effect, CommitClosure):
        return ledger.seal_closure(**when, doc_type=effect.doc_type)
    if isinstance(effect, CommitDuplicate):
        original = effect.original
        return ledger.seal_duplicate(**when, original=original, links=_read(links, original))
    return ledger.seal_invoice(
        **when,
        ticket=effect.ticket,
        links=_read(links, effect.ticket),
        customer=effect.customer,
        postcode=effect.postcode,
        vat_number=effect.vat_number,
    )


def _read(links: Callable[[Record], DocumentLinks] | None, original: Record) -> DocumentLinks:
    if links is None:  # a caller's mistake: these documents depend on the journal
        raise ValueError("a document naming another needs the journal's links")
    return links(original)
