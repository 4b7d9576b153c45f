"""Which printout a print effect becomes: the bridge from effects to ESC/POS bytes.

The layouts live in firmware/receipt.py and firmware/printouts.py; this
module only picks one and gathers what it needs (the original of a
duplicate or an invoice, the running totals of an X report).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware import printouts
from firmware.config import TerminalConfig
from firmware.messages import (
    SLIP_PAYMENT_PROOF,
    SLIP_RIGHTS,
    SLIP_VERSION,
    SLIP_X_REPORT,
    PrintSlip,
)
from firmware.receipt import ticket_receipt
from fiscal_core import codes
from fiscal_core.civil import day_label
from fiscal_core.records import NoteBody, Record

if TYPE_CHECKING:
    from fiscal_core.state import LedgerState
    from hal.ports import Clock


def render_record(
    record: Record, original: Record | None, config: TerminalConfig, *, late: bool = False
) -> bytes:
    """Return the printout of a recorded document.

    Raises ValueError when a duplicate or an invoice comes without its original.
    """
    if record.doc_type in (codes.DOC_TICKET, codes.DOC_TRAINING):
        return ticket_receipt(record, config, late=late)
    if record.doc_type in codes.CLOSURE_TYPES:
        return printouts.closure_report(record, config)
    if isinstance(record.body, NoteBody):
        return printouts.provisional_note(
            record.body.lines,
            record.body.persons,
            config,
            time_utc=record.time_utc,
            utc_offset=record.utc_offset,
            operator_id=record.operator_id,
            record=record,
        )
    if original is None:
        raise ValueError(f"document type {record.doc_type} prints with its original")
    if record.doc_type == codes.DOC_DUPLICATE:
        return printouts.duplicate_receipt(record, original, config)
    return printouts.invoice_document(record, original, config)


def render_slip(
    effect: PrintSlip, config: TerminalConfig, state: LedgerState, clock: Clock, public_key: bytes
) -> bytes:
    """Return the printout of a non-fiscal document (X report, version, rights, proof).

    ``public_key``: the terminal's, whose fingerprint the version slip prints.
    """
    if effect.kind == SLIP_X_REPORT:
        return printouts.x_report(
            state.day,
            config,
            time_utc=clock.now_utc(),
            utc_offset=clock.utc_offset_minutes(),
            operator_id=effect.operator_id,
            period_label=day_label(state.business_day) if state.period_open else "",
            gt_real=state.gt_real,
            gt_absolute=state.gt_absolute,
        )
    if effect.kind == SLIP_VERSION:
        return printouts.version_slip(config, public_key)
    if effect.kind == SLIP_RIGHTS:
        return printouts.rights_list(config)
    if effect.kind == SLIP_PAYMENT_PROOF and effect.record is not None:
        return printouts.payment_proofs(effect.record, config)
    raise ValueError(f"unknown slip {effect.kind!r}")
