"""Numbered functions (``<n> FUNC``) and what happens when a commit or a load lands.

Each function checks the operator's right (firmware/rights.py), may ask
one or two numbers (a prompt: digits then ENTER, nothing typed = the
default), and asks the runner for commits, loads and prints. Pure, like the
rest of the state machine.
"""

from __future__ import annotations

from dataclasses import replace

from firmware import rights
from firmware.cashier_state import (
    MODE_FLOAT,
    MODE_LOGIN_ID,
    MODE_PROMPT,
    MODE_READY,
    MODE_RETURN,
    State,
    Step,
    back_to_work,
    end_function,
    fail,
)
from firmware.config_audit import CONFIG_REASONS
from firmware.messages import (
    SLIP_PAYMENT_PROOF,
    SLIP_RIGHTS,
    SLIP_VERSION,
    SLIP_X_REPORT,
    CommitArchive,
    CommitClosure,
    CommitConfigChange,
    CommitDuplicate,
    CommitInvoice,
    CommitJet,
    CommitNote,
    CommitReturn,
    Effect,
    LoadRecord,
    MakeBackup,
    OpenDrawer,
    PrintPending,
    PrintRecord,
    PrintSlip,
    RestoreBackup,
    Show,
)
from firmware.screens import idle_screen
from firmware.selling import PAYMENT_KEYS, item_key
from firmware.text import format_cents, two_columns
from fiscal_core import codes
from fiscal_core.events import JetBody
from fiscal_core.records import ArchiveBody, Payment, Record, TicketBody

RETURN_REASONS = {
    1: "R1 produit defectueux",
    2: "R2 erreur de caisse",
    3: "R3 client insatisfait",
    4: "R4 autre motif",
}

PROMPT_AMOUNT = "montant ?"
PROMPT_TICKET = "n° ticket ?"
PROMPT_CUSTOMER = "n° client ?"
PROMPT_PERSONS = "nb personnes ?"
PROMPT_REASON = "motif 1-4 ?"
PROMPT_CONFIG = "motif config 1-4 ?"
PROMPT_ARCHIVE = "1 jour 2 mois 3 an ?"
PROMPT_BACKUP = "sauvegarde n° ?"  # its record count, in its file name; nothing = the latest
_ARCHIVES = {1: codes.DOC_GT_PERIOD, 2: codes.DOC_GT_MONTH, 3: codes.DOC_GT_YEAR}

# Functions that ask for a ticket number first, then load that ticket.
_TICKET_FUNCTIONS = (10, 11, 12, 14)
_CLOSURES = {2: codes.DOC_GT_PERIOD, 3: codes.DOC_GT_MONTH, 4: codes.DOC_GT_YEAR}
_CLOSURE_EVENTS = {
    codes.DOC_GT_PERIOD: (codes.JET_PERIOD_CLOSURE, "cloture journaliere"),
    codes.DOC_GT_MONTH: (codes.JET_MONTH_CLOSURE, "cloture mensuelle"),
    codes.DOC_GT_YEAR: (codes.JET_YEAR_CLOSURE, "cloture d'exercice"),
}


def start(state: State) -> Step:
    """Run function ``<entry> FUNC``, or refuse it with a message."""
    number = int(state.entry or "0")
    entry = rights.FUNCTIONS.get(number)
    if entry is None:
        return fail(state, "UNKNOWN_FUNCTION", "fonction inconnue")
    right, name, _ = entry
    if not rights.allowed(state.role, right):
        return fail(state, "NOT_ALLOWED", "droits insuffisants")
    if state.lines and number != 13:
        return fail(state, "SALE_OPEN", "vente en cours")
    if number == 13 and not state.lines:
        return fail(state, "EMPTY_SALE", "aucun article saisi")
    base = replace(state, entry="", function=number)
    op = state.operator_id
    if number == 1:
        return _commit(base, "x", CommitJet(op, codes.JET_REPORT_X, "rapport X"))
    if number in _CLOSURES:
        return _commit(base, "closure", CommitClosure(op, _CLOSURES[number]))
    if number in (5, 6, 7):
        return ask(base, PROMPT_AMOUNT)
    if number == 8:
        code = codes.JET_TRAINING_OFF if state.training else codes.JET_TRAINING_ON
        text = "fin du mode formation" if state.training else "mode formation"
        return _commit(base, "training", CommitJet(op, code, text))
    if number == 9:
        return _commit(base, "version", CommitJet(op, codes.JET_VERSION_PRINTED, "version"))
    if number in _TICKET_FUNCTIONS:
        return ask(base, PROMPT_TICKET)
    if number == 13:
        return ask(base, PROMPT_PERSONS)
    if number == 17:
        return ask(base, PROMPT_ARCHIVE)
    if number == 18:
        return replace(base, pending="backup"), [Show("SAUVEGARDE...", ""), MakeBackup(op)]
    if number == 19:
        return ask(base, PROMPT_BACKUP)
    if number == 15:
        return _commit(base, "rights", CommitJet(op, codes.JET_RIGHTS_PRINTED, "liste des droits"))
    return replace(base, function=0), [Show(name[:20], "IMPRESSION..."), PrintPending(op)]


def answer(state: State, key: str) -> Step:
    """Take the number typed at a prompt (ENTER), or anything else as a refusal."""
    if key != "ENTER":
        return fail(state, "ENTER_EXPECTED", "tapez puis ENTER")
    value = int(state.entry or "0")
    base = replace(state, entry="")
    op = state.operator_id
    if state.prompt == PROMPT_AMOUNT:
        if value <= 0:
            return fail(state, "BAD_AMOUNT", "montant invalide")
        if state.function == 7:
            text = f"comptage tiroir {format_cents(value)}"
            return _commit(base, "count", CommitJet(op, codes.JET_DRAWER_COUNT, text, value))
        signed = value if state.function == 5 else -value
        text = f"{'entree' if signed > 0 else 'sortie'} especes {format_cents(value)}"
        return _commit(base, "cash", CommitJet(op, codes.JET_CASH_MOVE, text, signed))
    if state.prompt == PROMPT_TICKET:
        return replace(base, pending="load"), [LoadRecord(codes.DOC_TICKET, value)]
    if state.prompt == PROMPT_CUSTOMER:
        customer = state.config.customer(value)
        if customer is None or state.document is None:
            return fail(state, "UNKNOWN_CUSTOMER", "client inconnu")
        invoice = CommitInvoice(
            op, state.document, customer.name, customer.postcode, customer.vat_number
        )
        return _commit(base, "invoice", invoice)
    if state.prompt == PROMPT_PERSONS:
        if not 1 <= value <= 99:
            return fail(state, "BAD_PERSONS", "1 a 99 personnes")
        return _commit(base, "note", CommitNote(op, state.lines, value))
    if state.prompt == PROMPT_ARCHIVE:
        closure_type = _ARCHIVES.get(value)
        if closure_type is None:
            return fail(state, "BAD_CHOICE", "choix 1 a 3")
        return _commit(base, "archive", CommitArchive(op, closure_type))
    if state.prompt == PROMPT_BACKUP:
        return replace(base, pending="restore"), [
            Show("RESTAURATION...", ""),
            RestoreBackup(op, value),
        ]
    if state.prompt == PROMPT_CONFIG:
        config_reason = CONFIG_REASONS.get(value)
        if config_reason is None:
            return fail(state, "BAD_REASON", "motif 1 a 4")
        return _commit(base, "config", CommitConfigChange(op, config_reason))
    if state.prompt == PROMPT_REASON:
        reason = RETURN_REASONS.get(value)
        if reason is None or state.document is None:
            return fail(state, "BAD_REASON", "motif 1 a 4")
        refund = (Payment(state.refund_means, state.total),)
        return _commit(
            base, "return", CommitReturn(op, state.document, state.lines, refund, reason)
        )
    return fail(state, "KEY_NOT_HERE", "touche sans effet")


def return_key(state: State, key: str) -> Step:
    """Keys while returning items of a loaded ticket: items, then a refund means."""
    if key in ("X", "PLU") or key.startswith("DEPT"):
        return item_key(state, key, sign=-1)
    if key in PAYMENT_KEYS:
        if not state.lines:
            return fail(state, "EMPTY_SALE", "aucun article saisi")
        return ask(replace(state, refund_means=PAYMENT_KEYS[key]), PROMPT_REASON)
    if key == "CANCEL":
        done = back_to_work(replace(state, mode=MODE_READY, lines=(), document=None))
        return done, [Show("RETOUR ANNULE", "")]
    return fail(state, "KEY_NOT_HERE", "touche sans effet")


def loaded(state: State, record: Record) -> Step:
    """A ticket asked for by a function was found: go on with that function."""
    op = state.operator_id
    with_doc = replace(state, document=record)
    if state.function == 10:
        return _commit(with_doc, "duplicate", CommitDuplicate(op, record))
    if state.function == 11:
        new = replace(with_doc, mode=MODE_RETURN, prompt="", lines=(), entry="", quantity=1)
        return new, [Show(f"RETOUR TICKET {record.number}", "articles a rendre")]
    if state.function == 12:
        return ask(with_doc, PROMPT_CUSTOMER)
    text = f"justificatif ticket {record.number}"
    jet = CommitJet(op, codes.JET_PAYMENT_PROOF, text, ref=record.number)
    return _commit(with_doc, "proof", jet)


def committed(state: State, pending: str, record: Record) -> Step:
    """A commit asked for landed durably: acknowledge it, print, open the drawer."""
    op = state.operator_id
    if pending == "login":
        operator = state.config.operator(state.candidate_operator)
        name = operator.name if operator else ""
        mode = MODE_READY if state.period_open else MODE_FLOAT
        new = replace(state, mode=mode, operator_id=state.candidate_operator, candidate_operator=0)
        if state.config_pending:
            return ask(new, PROMPT_CONFIG)
        hint = "CAISSE PRETE" if state.period_open else "FOND DE CAISSE ?"
        if state.archive_due:  # the warning; the block comes at the next float
            hint = "ARCHIVE: FONCTION 17"
        return new, [Show(f"BONJOUR {name}".upper(), hint)]
    if pending == "config":
        new = end_function(replace(state, config_pending=False))
        return new, [Show("CONFIG VALIDEE", "FOND DE CAISSE ?" if not new.period_open else "")]
    if pending == "logout":
        new = replace(state, mode=MODE_LOGIN_ID, operator_id=0)
        return new, [idle_screen(new)]
    if pending == "float":
        new = replace(state, mode=MODE_READY, period_open=True)
        return new, [OpenDrawer(), Show("PERIODE OUVERTE", "CAISSE PRETE")]
    if pending == "void":
        new = replace(state, lines=state.lines[:-1])
        return new, [Show("LIGNE ANNULEE", two_columns("TOTAL", format_cents(new.total)))]
    if pending == "abandon":
        new = replace(state, lines=(), payments=(), entry="", quantity=1)
        return new, [Show("VENTE ABANDONNEE", "")]
    if pending == "ticket" and isinstance(record.body, TicketBody):
        return _ticket_done(state, record, record.body)
    if pending == "return" and isinstance(record.body, TicketBody):
        return _ticket_done(state, record, record.body)
    if pending == "closure":
        code, text = _CLOSURE_EVENTS[record.doc_type]
        done = replace(state, pending="closure-jet", document=record)
        jet = CommitJet(op, code, f"{text} n° {record.number}")
        return done, [PrintRecord(record), jet]
    if pending == "closure-jet":
        closed = state.document is not None and state.document.doc_type == codes.DOC_GT_PERIOD
        if state.document is not None and state.document.doc_type == codes.DOC_GT_YEAR:
            state = replace(state, archive_due=True)
        number = state.document.number if state.document is not None else 0
        new = end_function(replace(state, period_open=state.period_open and not closed))
        return new, [Show("CLOTURE ENREGISTREE", f"N° {number}")]
    if pending == "duplicate":
        new = replace(state, pending="duplicate-jet")
        jet = CommitJet(op, codes.JET_DUPLICATE, f"duplicata {record.number}", ref=record.number)
        return new, [PrintRecord(record, state.document), jet]
    if pending == "note":
        new = replace(end_function(state), mode=MODE_READY)  # the sale stays open, to be paid
        shown = Show("NOTE IMPRIMEE", two_columns("TOTAL", format_cents(state.total)))
        return new, [PrintRecord(record), shown]
    if pending == "invoice":
        new = end_function(state)
        return new, [PrintRecord(record, state.document), Show("FACTURE IMPRIMEE", "")]
    return _event_done(state, pending, record)


def _event_done(state: State, pending: str, record: Record) -> Step:
    op = state.operator_id
    effects: list[Effect] = []
    if pending == "x":
        effects = [PrintSlip(SLIP_X_REPORT, op), Show("RAPPORT X", "imprime")]
    elif pending == "version":
        effects = [PrintSlip(SLIP_VERSION, op), Show("VERSION", "imprimee")]
    elif pending == "rights":
        effects = [PrintSlip(SLIP_RIGHTS, op), Show("LISTE DES DROITS", "imprimee")]
    elif pending == "proof" and state.document is not None:
        effects = [PrintSlip(SLIP_PAYMENT_PROOF, op, state.document), Show("JUSTIFICATIF", "")]
    elif pending in ("cash", "count"):
        effects = [OpenDrawer(), Show("MOUVEMENT ENREGISTRE", "")]
    elif pending == "training":
        new = end_function(replace(state, training=not state.training))
        return new, [Show("MODE FORMATION" if new.training else "FIN FORMATION", "")]
    elif pending == "archive":
        body = record.body
        if isinstance(body, ArchiveBody) and body.closure_type == codes.DOC_GT_YEAR:
            state = replace(state, archive_due=False)
        effects = [Show("ARCHIVE CREEE", f"N° {record.number}")]
    elif pending == "duplicate-jet":
        effects = [Show("DUPLICATA IMPRIME", "")]
    elif pending in ("backup", "restore"):
        effects = [_safekeeping_screen(record)]
    return end_function(state), effects


_SAFEKEEPING_SCREENS = {
    codes.JET_BACKUP: "SAUVEGARDE FAITE",
    codes.JET_BACKUP_FAILED: "SAUVEGARDE ECHOUEE",
    codes.JET_RESTORE_DONE: "RESTAURATION FAITE",
    codes.JET_RESTORE_REFUSED: "RESTAURATION REFUSEE",
}


def _safekeeping_screen(record: Record) -> Show:
    """Say how a backup or a restore ended, from the JET that ended it (940-943).

    Line 2: the backup's number (940), the refusal's code (941), the records
    added (942), the reason (943).
    """
    body = record.body
    if not isinstance(body, JetBody):
        return Show("OPERATION FAITE", "")
    head, _, tail = body.text.partition(": ")
    detail = {
        codes.JET_BACKUP: f"N° {record.seq}",
        codes.JET_RESTORE_REFUSED: head.rsplit(" ", 1)[-1],
        codes.JET_RESTORE_DONE: body.text.rsplit(": ", 1)[-1],
    }.get(body.code, tail)
    return Show(_SAFEKEEPING_SCREENS.get(body.code, "OPERATION FAITE"), detail[:20])


def _ticket_done(state: State, record: Record, body: TicketBody) -> Step:
    new = end_function(replace(state, lines=(), payments=(), entry="", quantity=1))
    effects: list[Effect] = [PrintRecord(record)]
    if any(p.means == codes.PAY_CASH for p in body.payments):
        effects.append(OpenDrawer())
    label = "REMBOURSE" if body.is_return else "RENDU"
    amount = -body.total if body.is_return else body.change
    kind = "FORMATION" if record.doc_type == codes.DOC_TRAINING else "TICKET"
    effects.append(Show(two_columns(label, format_cents(amount)), f"{kind} {record.number} OK"))
    return new, effects


def ask(state: State, prompt: str) -> Step:
    """Put a question on the display; digits then ENTER answer it."""
    new = replace(state, mode=MODE_PROMPT, prompt=prompt, entry="")
    return new, [idle_screen(new)]


def _commit(state: State, pending: str, effect: Effect) -> Step:
    return replace(state, pending=pending), [effect]


__all__ = ["MODE_FLOAT", "answer", "committed", "loaded", "return_key", "start"]
