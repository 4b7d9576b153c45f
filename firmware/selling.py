"""Selling on the keypad: items (PLU, department, quantity), void, cancel, subtotal, payment.

A sale is only lines and tendered payments in the state until it is fully
paid; then a ``CommitTicket`` is asked for, and the ticket exists once the
runner reports ``RecordCommitted`` (firmware/machine.py). Pure.
"""

from __future__ import annotations

from dataclasses import replace

from firmware import rights
from firmware.cashier_state import MAX_QUANTITY, MAX_SALE_LINES, State, Step, fail
from firmware.messages import CommitJet, CommitTicket, Show
from firmware.screens import entry_screen, idle_screen
from firmware.text import format_cents, two_columns
from fiscal_core import codes
from fiscal_core.records import Line, Payment

PAYMENT_KEYS = {
    "CASH": codes.PAY_CASH,
    "CARD": codes.PAY_CARD,
    "CHEQUE": codes.PAY_CHEQUE,
    "VOUCHER": codes.PAY_VOUCHER,
}


def sale_key(state: State, key: str) -> Step:
    if not rights.allowed(state.role, rights.SELL):
        return fail(state, "NOT_ALLOWED", "droits insuffisants")
    if key in ("X", "PLU") or key.startswith("DEPT"):
        if state.payments:
            return fail(state, "PAYMENT_STARTED", "paiement en cours")
        return item_key(state, key, sign=1)
    if key == "SUBTOTAL":
        due = state.total - state.paid
        return state, [Show("SOUS-TOTAL", two_columns("A PAYER", format_cents(due)))]
    if key == "VOID":
        if not state.lines or state.payments:
            return fail(state, "NO_LINE", "aucune ligne")
        last = state.lines[-1]
        text = f"ligne annulee {last.ref} {last.label} x{last.quantity} {format_cents(last.total)}"
        return replace(state, pending="void"), [
            CommitJet(state.operator_id, codes.JET_LINE_VOIDED, text, amount=last.total)
        ]
    if key == "CANCEL":
        if not state.lines:
            cleared = replace(state, entry="", quantity=1)
            return cleared, [idle_screen(cleared)]
        text = f"vente abandonnee {len(state.lines)} lignes total {format_cents(state.total)}"
        return replace(state, pending="abandon"), [
            CommitJet(state.operator_id, codes.JET_SALE_ABANDONED, text, amount=state.total)
        ]
    if key in PAYMENT_KEYS:
        return _pay(state, PAYMENT_KEYS[key])
    return fail(state, "KEY_NOT_HERE", "touche sans effet")


def item_key(state: State, key: str, sign: int) -> Step:
    """Handle X, PLU and DEPTn: a line of quantity x ``sign`` (-1 for a return)."""
    if key == "X":
        quantity = int(state.entry or "0")
        if not 1 <= quantity <= MAX_QUANTITY:
            return fail(state, "BAD_QUANTITY", f"quantite 1 a {MAX_QUANTITY}")
        new = replace(state, quantity=quantity, entry="")
        return new, [entry_screen(new)]
    if key == "PLU":
        item = state.config.item(int(state.entry or "0"))
        if item is None:
            return fail(state, "UNKNOWN_PLU", "article inconnu")
        line = Line(f"P{item.plu}", item.label, sign * state.quantity, item.price, item.vat_rate)
        return _add_line(state, line)
    if key.startswith("DEPT"):
        dept = state.config.department(int(key[4:]))
        if dept is None:
            return fail(state, "UNKNOWN_DEPT", "rayon non configure")
        price = int(state.entry or "0")
        if price <= 0:
            return fail(state, "PRICE_REQUIRED", "prix puis rayon")
        line = Line(f"D{dept.number}", dept.label, sign * state.quantity, price, dept.vat_rate)
        return _add_line(state, line)
    return fail(state, "KEY_NOT_HERE", "touche sans effet")


def _add_line(state: State, line: Line) -> Step:
    if len(state.lines) >= MAX_SALE_LINES:
        return fail(state, "TOO_MANY_LINES", f"{MAX_SALE_LINES} lignes au plus")
    new = replace(state, lines=(*state.lines, line), entry="", quantity=1)
    qty = f"{line.quantity}x " if line.quantity != 1 else ""
    total = two_columns("TOTAL", format_cents(new.total))
    return new, [Show(two_columns(qty + line.label, format_cents(line.total)), total)]


def _pay(state: State, means: int) -> Step:
    if not state.lines:
        return fail(state, "EMPTY_SALE", "aucun article saisi")
    due = state.total - state.paid
    amount = int(state.entry) if state.entry else due
    if amount <= 0:
        return fail(state, "BAD_AMOUNT", "montant invalide")
    if means != codes.PAY_CASH and amount > due:
        return fail(state, "TOO_MUCH", "montant > du", f"du {format_cents(due)}")
    paid = replace(state, payments=(*state.payments, Payment(means, amount)), entry="")
    if paid.paid < paid.total:
        rest = two_columns("RESTE", format_cents(paid.total - paid.paid))
        return paid, [
            Show(two_columns(codes.PAYMENT_NAMES[means][:12], format_cents(amount)), rest)
        ]
    return replace(paid, pending="ticket"), [
        Show("ENREGISTREMENT...", ""),
        CommitTicket(state.operator_id, state.lines, paid.payments),
    ]
