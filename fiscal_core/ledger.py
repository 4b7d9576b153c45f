"""The ledger: numbering, chaining and signing of every fiscal document.

Theory of operation. Recording is two-phase so that nothing is counted
unless it is durable:

1. ``seal_*`` checks the request against the fiscal rules, builds and signs
   the next record from the current state *without changing the state*, and
   returns it (FiscalError with a stable code when a rule forbids it);
2. the caller writes ``sealed.encoded`` to the journal and syncs it;
3. ``accept(sealed)`` advances the state (``LedgerState.advance``).

If step 2 fails, the state is untouched and the same numbers are used by
the next attempt: numbering never skips. At start-up the state is rebuilt
from the journal alone with ``Verifier`` (fiscal_core/verifier.py).
"""

from fiscal_core import codes
from fiscal_core.civil import local_day, month_label
from fiscal_core.closures import ClosureBody
from fiscal_core.documents import ArchiveBody, DuplicateBody, InvoiceBody
from fiscal_core.ed25519 import b64url
from fiscal_core.errors import FiscalError
from fiscal_core.events import JetBody
from fiscal_core.links import DocumentLinks
from fiscal_core.periods import (
    DAY_END_HOUR,
    fiscal_year_is_over,
    fiscal_year_label,
    month_is_over,
    period_deadline_local,
)
from fiscal_core.records import Record
from fiscal_core.rules import check_lines, check_return, check_sale, check_text
from fiscal_core.sales import Line, NoteBody, Payment, TicketBody
from fiscal_core.state import ChainHead, LedgerState
from fiscal_core.tosign import data_to_sign, grand_total_ticket_to_sign
from fiscal_core.vat import breakdown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.ed25519 import Signer
    from fiscal_core.records import Body

__all__ = ["ChainHead", "Ledger", "LedgerState", "Sealed"]

MAX_PERSONS = 99


class Sealed:
    """A signed record not yet accepted: ``encoded`` is what goes to the journal."""

    __slots__ = ("encoded", "record", "to_sign")

    def __init__(self, record: Record, to_sign: str, encoded: bytes) -> None:
        self.record = record
        self.to_sign = to_sign
        self.encoded = encoded  # record.encode(), made from the digested unsigned bytes

    @property
    def signature_text(self) -> str:
        return b64url(self.record.signature)


class Ledger:
    """Seals records for one terminal with its signer; see the module docstring."""

    def __init__(
        self,
        terminal_id: str,
        signer: "Signer",
        state: LedgerState | None = None,
    ) -> None:
        self.terminal_id = terminal_id
        self.signer = signer
        self.state = state if state is not None else LedgerState()

    # ----------------------------------------------------------- tickets

    def seal_ticket(
        self,
        *,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        lines: "list[Line]",
        payments: "list[Payment]",
    ) -> Sealed:
        """Return the signed sale ticket (a training ticket in training mode).

        The change is what the payments exceed the total by, given back out
        of cash. Raises FiscalError (nothing recorded) on an empty sale, a bad
        line, a short payment, change not covered by cash, or no open period.
        """
        change = check_sale(lines, payments)
        return self._seal_ticket(
            time_utc,
            utc_offset,
            operator_id,
            TicketBody(codes.OP_SALE, lines, payments, change, 0, 0),
        )

    def seal_return(
        self,
        *,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        original: Record,
        links: DocumentLinks,
        lines: "list[Line]",
        refunds: "list[Payment]",
        reason: str,
    ) -> Sealed:
        """Return the signed return ticket of ``lines`` (negative quantities) of ``original``.

        ``links``: what the journal holds after ``original`` (its earlier
        returns). Raises FiscalError when a line was not sold on
        ``original`` or is returned beyond what was sold, when refunds do
        not equal the total returned, or without a reason.
        """
        _check_links(links, original)
        check_return(original, lines, refunds, reason, links.returned)
        body = TicketBody(codes.OP_RETURN, lines, refunds, 0, 0, 0, original.number, reason)
        return self._seal_ticket(time_utc, utc_offset, operator_id, body)

    def _seal_ticket(
        self, time_utc: int, utc_offset: int, operator_id: int, body: TicketBody
    ) -> Sealed:
        state = self.state
        if state.training:
            if body.is_return:
                raise FiscalError("TRAINING_NO_RETURN", "no return in training mode")
            return self._seal(codes.DOC_TRAINING, time_utc, utc_offset, operator_id, body)
        self._require_open_period(time_utc, utc_offset)
        body.gt_real = state.gt_real + body.total
        body.gt_absolute = state.gt_absolute + body.absolute_total
        record = self._record(codes.DOC_TICKET, time_utc, utc_offset, operator_id, body)
        gt_text = grand_total_ticket_to_sign(record, state.head(codes.DOC_GT_TICKET).signature)
        body.gt_signature = self.signer.sign(gt_text.encode("utf-8"))
        return self._sign(record)

    # -------------------------------------------------------- documents

    def seal_note(
        self, *, time_utc: int, utc_offset: int, operator_id: int, lines: "list[Line]", persons: int
    ) -> Sealed:
        """Return the signed note before payment of ``lines``, shared by ``persons`` (1-99)."""
        check_lines(lines, +1)
        if not 1 <= persons <= MAX_PERSONS:
            raise FiscalError("BAD_PERSONS", f"a note is shared by 1 to {MAX_PERSONS} persons")
        self._require_open_period(time_utc, utc_offset)
        body = NoteBody(lines, persons)
        return self._seal(codes.DOC_NOTE, time_utc, utc_offset, operator_id, body)

    def seal_duplicate(
        self,
        *,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        original: Record,
        links: DocumentLinks,
    ) -> Sealed:
        """Return the signed duplicate (reprint) of ``original``, numbered per original.

        ``links``: what the journal holds after ``original`` (its reprints).
        """
        if original.doc_type in (codes.DOC_JET, codes.DOC_DUPLICATE):
            raise FiscalError("NOT_REPRINTABLE", "this document cannot be reprinted")
        _check_links(links, original)
        self._require_open_period(time_utc, utc_offset)
        body = DuplicateBody(original.doc_type, original.number, links.reprints + 1)
        return self._seal(codes.DOC_DUPLICATE, time_utc, utc_offset, operator_id, body)

    def seal_invoice(
        self,
        *,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        ticket: Record,
        links: DocumentLinks,
        customer: str,
        postcode: str,
        vat_number: str = "",
    ) -> Sealed:
        """Return the signed invoice enriching ``ticket`` (FACTURE, or AVOIR for a return).

        ``links``: what the journal holds after ``ticket`` (its invoice).
        Raises FiscalError without a customer name or postcode (6.7.6.2) or
        when the ticket already has its invoice.
        """
        body = ticket.body
        if ticket.doc_type != codes.DOC_TICKET or not isinstance(body, TicketBody):
            raise FiscalError("NOT_A_TICKET", "an invoice enriches a recorded ticket")
        if not customer.strip() or not postcode.strip():
            raise FiscalError("CUSTOMER_REQUIRED", "customer name and postcode are mandatory")
        for field in (customer, postcode, vat_number):
            check_text(field)
        _check_links(links, ticket)
        if links.invoice:
            raise FiscalError("ALREADY_INVOICED", "this ticket already has its invoice")
        self._require_open_period(time_utc, utc_offset)
        kind = codes.INVOICE_CREDIT if body.is_return else codes.INVOICE_SALE
        vat = [(v.rate, v.total) for v in breakdown(body.lines)]
        invoice = InvoiceBody(ticket.number, kind, customer, postcode, vat_number, vat, body.total)
        return self._seal(codes.DOC_INVOICE, time_utc, utc_offset, operator_id, invoice)

    def seal_archive(
        self,
        *,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        closure: Record,
        file_name: str,
        file_digest: bytes,
    ) -> Sealed:
        """Return the signed ARCHIVE record of the archive file of ``closure``'s period.

        ``file_digest`` is the SHA-256 of the archive file: signing this
        record signs the file. Raises FiscalError when ``closure`` is not the
        last closure of its kind or its period is already archived.
        """
        key = (closure.doc_type, closure.number)
        known = self.state.closures.get(key)  # only the last closure of each kind
        if closure.doc_type not in codes.CLOSURE_TYPES or known is None:
            raise FiscalError("NOT_A_CLOSURE", "an archive is made of the last closure of a kind")
        if key in self.state.archived:
            raise FiscalError("ALREADY_ARCHIVED", "this period is already archived")
        if len(file_digest) != 32:
            raise ValueError("the file digest is a SHA-256 (32 bytes)")
        check_text(file_name)
        from_seq, to_seq, vat, total = known
        kind = codes.ARCHIVE_YEAR if closure.doc_type == codes.DOC_GT_YEAR else codes.ARCHIVE_PERIOD
        body = ArchiveBody(
            kind,
            closure.doc_type,
            closure.number,
            from_seq,
            to_seq,
            vat,
            total,
            file_name,
            file_digest,
        )
        return self._seal(codes.DOC_ARCHIVE, time_utc, utc_offset, operator_id, body)

    # ------------------------------------------------------------ events

    def seal_jet(
        self,
        *,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        code: int,
        text: str,
        amount: int = 0,
        ref: int = 0,
    ) -> Sealed:
        """Return the signed JET line for event ``code`` with free ``text`` and ``amount``.

        The float (JET 171) opens a period: see ``open_period``. Cash
        movements and counts need an open period.
        """
        check_text(text)
        state = self.state
        if code == codes.JET_CASH_FLOAT:
            self._check_opening(time_utc, utc_offset)
            if amount < 0:
                raise FiscalError("BAD_AMOUNT", "the cash float cannot be negative")
        elif code in (codes.JET_CASH_MOVE, codes.JET_DRAWER_COUNT):
            self._require_open_period(time_utc, utc_offset)
        elif code == codes.JET_TRAINING_ON and state.training:
            raise FiscalError("TRAINING_ALREADY_ON", "training mode is already on")
        elif code == codes.JET_TRAINING_OFF and not state.training:
            raise FiscalError("TRAINING_NOT_ON", "training mode is not on")
        body = JetBody(code, text, amount, ref)
        return self._seal(codes.DOC_JET, time_utc, utc_offset, operator_id, body)

    def open_period(
        self, *, time_utc: int, utc_offset: int, operator_id: int, cash_float: int
    ) -> Sealed:
        """Return the JET line (171) of the cash float that opens the next period."""
        period = self.state.head(codes.DOC_GT_PERIOD).number + 1
        text = f"fond de caisse, ouverture de periode {period}"
        return self.seal_jet(
            time_utc=time_utc,
            utc_offset=utc_offset,
            operator_id=operator_id,
            code=codes.JET_CASH_FLOAT,
            text=text,
            amount=cash_float,
        )

    # ---------------------------------------------------------- closures

    def seal_closure(
        self, *, doc_type: int, time_utc: int, utc_offset: int, operator_id: int
    ) -> Sealed:
        """Return the signed daily (GT_PERIOD), month (GT_MONTH) or year (GT_YEAR) closure.

        Raises FiscalError when that period is not open or not over, or a
        lower closure is still due.
        """
        state = self.state
        today = local_day(time_utc, utc_offset)
        if doc_type == codes.DOC_GT_PERIOD:
            if not state.period_open:
                raise FiscalError("PERIOD_CLOSED", "no open period: already closed")
        elif doc_type == codes.DOC_GT_MONTH:
            if state.period_open:
                raise FiscalError("DAY_OPEN", "close the day first")
            if not state.month_days:
                raise FiscalError("NOTHING_TO_CLOSE", "no closed day since the last month closure")
            if not month_is_over(state.month_label, today):
                raise FiscalError("MONTH_NOT_OVER", f"month {state.month_label} is not over")
        elif doc_type == codes.DOC_GT_YEAR:
            if state.period_open:
                raise FiscalError("DAY_OPEN", "close the day first")
            if state.month_days:
                raise FiscalError("MONTH_CLOSE_REQUIRED", "close the month first")
            if not state.year_months:
                raise FiscalError("NOTHING_TO_CLOSE", "no closed month since the last year closure")
            if not fiscal_year_is_over(state.year_label, today, state.fiscal_year_start_month):
                raise FiscalError("YEAR_NOT_OVER", f"fiscal year {state.year_label} is not over")
        else:
            raise ValueError(f"{doc_type} is not a closure type")
        body: ClosureBody = state.expected_closure(doc_type)
        return self._seal(doc_type, time_utc, utc_offset, operator_id, body)

    # ------------------------------------------------------------ common

    def accept(self, sealed: Sealed) -> None:
        """Advance the state past ``sealed``, once it is durable in the journal.

        Raises ValueError if ``sealed`` was not made from the current state
        (a programming error: two seals accepted out of order).
        """
        record = sealed.record
        if record.seq != self.state.seq + 1:
            raise ValueError(f"sealed record #{record.seq} does not follow #{self.state.seq}")
        if record.number != self.state.head(record.doc_type).number + 1:
            raise ValueError("sealed record does not follow its chain")
        self.state.advance(record)

    def _require_open_period(self, time_utc: int, utc_offset: int) -> None:
        state = self.state
        if not state.period_open:
            raise FiscalError("PERIOD_CLOSED", "no open period: enter the cash float")
        now_local = time_utc + utc_offset * 60
        if now_local >= period_deadline_local(state.business_day, DAY_END_HOUR):
            raise FiscalError("PERIOD_EXPIRED", "the business day is over: close it first")

    def _check_opening(self, time_utc: int, utc_offset: int) -> None:
        state = self.state
        if state.period_open:
            raise FiscalError("PERIOD_OPEN", "a period is already open")
        if state.archive_due:
            raise FiscalError("ARCHIVE_REQUIRED", "archive the closed fiscal year first")
        today = local_day(time_utc, utc_offset)
        if state.month_days and month_label(today) != state.month_label:
            raise FiscalError("MONTH_CLOSE_REQUIRED", f"close month {state.month_label} first")
        new_year = fiscal_year_label(today, state.fiscal_year_start_month)
        if state.year_months and new_year != state.year_label:
            raise FiscalError("YEAR_CLOSE_REQUIRED", f"close fiscal year {state.year_label} first")

    def _record(
        self,
        doc_type: int,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        body: "Body",
    ) -> Record:
        if not 0 <= time_utc <= codes.MAX_TIME_UTC:
            raise FiscalError("BAD_TIME", "the clock is outside the representable dates")
        if time_utc < self.state.last_time:
            raise FiscalError("CLOCK_BEHIND", "the clock is before the last record's time")
        if abs(utc_offset) > codes.MAX_UTC_OFFSET_MINUTES:
            raise FiscalError("BAD_TIME", "the UTC offset is out of range")
        return Record(
            doc_type=doc_type,
            seq=self.state.seq + 1,
            number=self.state.head(doc_type).number + 1,
            time_utc=time_utc,
            utc_offset=utc_offset,
            terminal_id=self.terminal_id,
            operator_id=operator_id,
            body=body,
        )

    def _seal(
        self,
        doc_type: int,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        body: "Body",
    ) -> Sealed:
        return self._sign(self._record(doc_type, time_utc, utc_offset, operator_id, body))

    def _sign(self, record: Record) -> Sealed:
        unsigned = record.unsigned_bytes()  # digested in the data to sign, then stored
        to_sign = data_to_sign(record, self.state.head(record.doc_type).signature, unsigned)
        record.signature = self.signer.sign(to_sign.encode("utf-8"))
        sealed = Sealed(record, to_sign, record.signed_bytes(unsigned))
        if len(sealed.encoded) > codes.MAX_RECORD_BYTES:
            raise FiscalError("RECORD_TOO_LARGE", "the record exceeds the journal frame size")
        return sealed


def _check_links(links: DocumentLinks, original: Record) -> None:
    """Refuse links read for another document: a caller's mistake, never the cashier's."""
    if not links.names(original):
        raise ValueError("these links are not the document's")
