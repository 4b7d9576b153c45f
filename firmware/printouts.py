"""Every printed document, as ESC/POS bytes, in one place for the runner.

Defined here: the payment proof, the provisional note split per person,
the version slip (5.2.3.1) and the list of users and rights (5.4.10.2).
Re-exported: the invoice and the duplicate (``print_documents``), the
closure and X reports (``print_reports``) and the ticket (``receipt``).
Each function is pure and returns a whole document (reset, CP858, ...,
feed, partial cut) laid out with ``print_layout``.
"""

from firmware import version
from firmware.config import TerminalConfig
from firmware.print_documents import duplicate_receipt, invoice_document
from firmware.print_layout import (
    LARGE,
    TALL,
    Paper,
    format_amount,
    heading,
    item_lines,
    merchant_block,
    operator_text,
    payment_lines,
    require_signed,
    signature_line,
    slip_footer,
    software_block,
    training_mention,
)
from firmware.print_reports import closure_report, x_report
from firmware.receipt import (
    text_slip,
    ticket_body,
    ticket_receipt,
    ticket_title,
    vat_codes,
)
from firmware.rights import ROLE_NAMES, rights_table
from fiscal_core import codes
from fiscal_core.civil import local_date_time
from fiscal_core.identity import key_fingerprint
from fiscal_core.records import Line, Record

__all__ = [
    "closure_report",
    "duplicate_receipt",
    "invoice_document",
    "payment_proof",
    "provisional_note",
    "rights_list",
    "split_per_person",
    "ticket_receipt",
    "version_slip",
    "x_report",
]

PROOF_TITLE = "JUSTIFICATIF DE PAIEMENT"
PROOF_MENTION = "JUSTIFICATIF NON VALABLE POUR ENCAISSEMENT"
NOTE_TITLE = "DOCUMENT PROVISOIRE"
NOTE_MENTION = "NOTE - NON VALABLE COMME TICKET"
MAX_PERSONS = 99


def payment_proofs(ticket: Record, config: TerminalConfig) -> bytes:
    """Return one payment proof per payment line of ``ticket`` (6.7.2.1), or one for all.

    When a shared note is settled by several payments, each consumer gets a
    proof of what they paid; a ticket paid at once gets a single proof.
    """
    body = ticket_body(ticket)
    if len(body.payments) < 2:
        return payment_proof(ticket, config)
    return b"".join(
        payment_proof(ticket, config, share=n) for n in range(1, len(body.payments) + 1)
    )


def payment_proof(ticket: Record, config: TerminalConfig, *, share: int = 0) -> bytes:
    """Return the ESC/POS bytes of a payment proof of a recorded ticket (not signed).

    ``JUSTIFICATIF NON VALABLE POUR ENCAISSEMENT`` in bold at the top and the
    bottom, the ticket's number, date, amount and means of payment; with
    ``share`` = n, only the n-th payment line (what one consumer paid).
    Raises ValueError if ``ticket`` is not a signed ticket or has no such line.
    """
    body = ticket_body(ticket)
    require_signed(ticket)
    training = ticket.doc_type == codes.DOC_TRAINING
    paper = Paper(config.paper_columns)
    if training:
        training_mention(paper)
    merchant_block(paper, config.merchant)
    paper.line(PROOF_TITLE, align="center", bold=True, size=TALL)
    paper.line(PROOF_MENTION, align="center", bold=True)
    paper.rule()
    paper.pair(ticket_title(ticket), f"N° {ticket.number:06d}")
    paper.line(f"Date du ticket : {local_date_time(ticket.time_utc, ticket.utc_offset)}")
    paper.line(f"Terminal : {ticket.terminal_id}")
    paper.line(operator_text(config, ticket.operator_id))
    paper.rule()
    label = "MONTANT REMBOURSE" if body.is_return else "MONTANT PAYE"
    if share:
        if not 1 <= share <= len(body.payments):
            raise ValueError(f"ticket {ticket.number} has no payment line {share}")
        paid = body.payments[share - 1]
        paper.line(f"Part {share} sur {len(body.payments)}", bold=True)
        paper.pair(label, format_amount(paid.amount), bold=True, size=TALL)
        payment_lines(paper, [paid], 0, refund=body.is_return)
        paper.pair("Total du ticket", format_amount(body.total))
    else:
        paper.pair(label, format_amount(body.total), bold=True, size=TALL)
        payment_lines(paper, body.payments, body.change, refund=body.is_return)
    paper.rule()
    software_block(paper)
    paper.line(PROOF_MENTION, align="center", bold=True)
    if training:
        training_mention(paper)
    return paper.finish()


def split_per_person(total: int, persons: int) -> list[int]:
    """Return what each of ``persons`` owes of ``total`` cents; the first ones pay the extra cents.

    The parts add up to ``total`` exactly and differ by one cent at most.
    Raises ValueError unless 1 <= persons <= MAX_PERSONS.
    """
    if not 1 <= persons <= MAX_PERSONS:
        raise ValueError(f"a note is split between 1 and {MAX_PERSONS} persons")
    share, extra = divmod(total, persons)
    return [share + 1 if i < extra else share for i in range(persons)]


def provisional_note(
    lines: list[Line],
    persons: int,
    config: TerminalConfig,
    *,
    time_utc: int,
    utc_offset: int,
    operator_id: int,
    training: bool = False,
    record: Record | None = None,
) -> bytes:
    """Return the ESC/POS bytes of a note before payment, split per person.

    With ``record`` (the signed NOTE), its number and signature extract are
    printed too.

    ``DOCUMENT PROVISOIRE`` in bold double size, ``NOTE - NON VALABLE COMME
    TICKET``, the lines, the total and what each person owes
    (``split_per_person``). ``training`` adds the training mention at the top
    and the bottom. Raises ValueError unless 1 <= persons <= MAX_PERSONS.
    """
    parts = split_per_person(sum(line.total for line in lines), persons)
    paper = Paper(config.paper_columns)
    if training:
        training_mention(paper)
    merchant_block(paper, config.merchant)
    paper.line(NOTE_TITLE, align="center", bold=True, size=LARGE)
    paper.line(NOTE_MENTION, align="center", bold=True)
    if record is not None:
        heading(paper, "NOTE", record, config)
    else:
        paper.line(f"Date : {local_date_time(time_utc, utc_offset)}")
        paper.line(f"Terminal : {config.terminal_id}")
        paper.line(operator_text(config, operator_id))
    paper.rule()
    item_lines(paper, lines, vat_codes(config, lines))
    paper.rule()
    paper.line(f"Nombre de lignes : {len(lines)}")
    paper.pair("TOTAL TTC", format_amount(sum(parts)), bold=True, size=LARGE)
    paper.rule()
    paper.line(f"Partage : {persons} personne{'s' if persons > 1 else ''}", bold=True)
    for number, part in enumerate(parts, start=1):
        paper.pair(f"Personne {number}", format_amount(part))
    paper.rule()
    software_block(paper)
    if record is not None:
        signature_line(paper, record)
    paper.line(NOTE_TITLE, align="center", bold=True, size=LARGE)
    paper.line(NOTE_MENTION, align="center", bold=True)
    if training:
        training_mention(paper)
    return paper.finish()


def version_slip(config: TerminalConfig, public_key: bytes) -> bytes:
    """Return the ESC/POS bytes of the version slip: software, version, certificate (5.2.3.1).

    It also prints the signing key's fingerprint: the identity file on the
    flash proves nothing by itself, this paper is a copy of it off the flash.
    """
    lines = [
        f"Nom du logiciel : {version.SOFTWARE_NAME}",
        f"Version : {version.SOFTWARE_VERSION}",
        f"Catégorie du certificat : {version.CERTIFICATE_CATEGORY}",
        f"Numéro du certificat : {version.CERTIFICATE_NUMBER}",
        "Clé de signature, empreinte SHA-256 :",
        key_fingerprint(public_key),
    ]
    return text_slip("VERSION DU LOGICIEL", lines, config)


def rights_list(config: TerminalConfig) -> bytes:
    """Return the ESC/POS bytes of the users and rights list (5.4.10.2); PINs are never printed.

    Every operator with id, name and role, then every right with its key and
    the roles that hold it (``firmware.rights.rights_table``).
    """
    paper = Paper(config.paper_columns)
    merchant_block(paper, config.merchant)
    paper.line("LISTE DES UTILISATEURS ET DROITS", align="center", bold=True)
    paper.rule()
    paper.line("Utilisateurs", bold=True)
    for operator in sorted(config.operators, key=lambda o: o.id):
        paper.pair(f"{operator.id} - {operator.name}", ROLE_NAMES.get(operator.role, operator.role))
    paper.rule()
    paper.line("Droits", bold=True)
    for key, label, roles in rights_table():
        paper.pair(label, key)
        paper.line("  " + (", ".join(roles) or "aucun rôle"), indent=2)
    slip_footer(paper, config)
    return paper.finish()
