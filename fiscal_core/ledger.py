"""The ledger: numbering, chaining, signing and perpetual totals of the terminal.

Theory of operation. The ledger holds the state that the next record
depends on: the journal sequence number, the head (number, signature) of
each document chain and the perpetual grand totals. Recording is two-phase
so that nothing is counted unless it is durable:

1. ``seal_*`` builds and signs the next record from the current state and
   returns it *without changing the state*;
2. the caller writes ``sealed.encoded`` to the journal and syncs it;
3. ``accept(sealed)`` advances the state.

If step 2 fails, the state is untouched and the same numbers are used by
the next attempt: numbering never skips. At start-up the state is rebuilt
from the journal alone with ``Verifier``, which checks every record on the
way (the same checks as the inspector's tool, written independently there).
"""

from fiscal_core import codes
from fiscal_core.ed25519 import b64url, verify
from fiscal_core.errors import FiscalError, IntegrityError
from fiscal_core.records import JetBody, Line, Payment, Record, TicketBody
from fiscal_core.tosign import data_to_sign

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.ed25519 import Signer

MAX_TEXT_CHARS = 200
MAX_LINES = 500


class ChainHead:
    """Number and signature of the last record of one document chain."""

    __slots__ = ("number", "signature")

    def __init__(self, number: int, signature: bytes) -> None:
        self.number = number
        self.signature = signature


class LedgerState:
    """Everything the next record depends on; rebuilt from the journal at boot."""

    __slots__ = ("chains", "gt_absolute", "gt_real", "last_time", "seq")

    def __init__(self) -> None:
        self.seq = 0
        self.chains: dict[int, ChainHead] = {}
        self.gt_real = 0
        self.gt_absolute = 0
        self.last_time = 0

    def head(self, doc_type: int) -> ChainHead:
        return self.chains.get(doc_type) or ChainHead(0, b"")

    def advance(self, record: Record) -> None:
        """Move the state past ``record`` (already checked)."""
        self.seq = record.seq
        self.chains[record.doc_type] = ChainHead(record.number, record.signature)
        if isinstance(record.body, TicketBody):
            self.gt_real = record.body.gt_real
            self.gt_absolute = record.body.gt_absolute
        self.last_time = max(self.last_time, record.time_utc)


class Sealed:
    """A signed record not yet accepted: ``encoded`` is what goes to the journal."""

    __slots__ = ("encoded", "record", "to_sign")

    def __init__(self, record: Record, to_sign: str) -> None:
        self.record = record
        self.to_sign = to_sign
        self.encoded = record.encode()

    @property
    def signature_text(self) -> str:
        return b64url(self.record.signature)


class Ledger:
    """Seals records for one terminal with its signer; see the module docstring."""

    def __init__(
        self, terminal_id: str, signer: "Signer", state: LedgerState | None = None
    ) -> None:
        self.terminal_id = terminal_id
        self.signer = signer
        self.state = state if state is not None else LedgerState()

    def seal_ticket(
        self,
        *,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        lines: list[Line],
        payments: list[Payment],
    ) -> Sealed:
        """Return the signed sale ticket for ``lines`` paid by ``payments``.

        The change is what the payments exceed the total by; it can only be
        given back out of cash. Raises FiscalError (nothing recorded) on an
        empty sale, a bad line, a short payment or change not covered by cash.
        """
        _check_lines(lines)
        total = sum(line.total for line in lines)
        paid = sum(p.amount for p in payments)
        if any(p.amount <= 0 for p in payments):
            raise FiscalError("BAD_PAYMENT", "a payment amount must be positive")
        if any(p.means not in codes.PAYMENT_NAMES for p in payments):
            raise FiscalError("BAD_PAYMENT", "unknown means of payment")
        if paid < total:
            raise FiscalError("PAYMENT_SHORT", f"payments {paid} are below the total {total}")
        change = paid - total
        cash = sum(p.amount for p in payments if p.means == codes.PAY_CASH)
        if change > cash:
            raise FiscalError("CHANGE_NOT_CASH", "change can only be given back out of cash")
        state = self.state
        body = TicketBody(
            codes.OP_SALE,
            lines,
            payments,
            change,
            state.gt_real + total,
            state.gt_absolute + sum(abs(line.total) for line in lines),
        )
        return self._seal(codes.DOC_TICKET, time_utc, utc_offset, operator_id, body)

    def seal_jet(
        self, *, time_utc: int, utc_offset: int, operator_id: int, code: int, text: str
    ) -> Sealed:
        """Return the signed JET line for event ``code`` with free ``text``."""
        if len(text) > MAX_TEXT_CHARS:
            raise FiscalError("TEXT_TOO_LONG", f"JET text is limited to {MAX_TEXT_CHARS} chars")
        return self._seal(codes.DOC_JET, time_utc, utc_offset, operator_id, JetBody(code, text))

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

    def _seal(
        self,
        doc_type: int,
        time_utc: int,
        utc_offset: int,
        operator_id: int,
        body: TicketBody | JetBody,
    ) -> Sealed:
        head = self.state.head(doc_type)
        record = Record(
            doc_type=doc_type,
            seq=self.state.seq + 1,
            number=head.number + 1,
            time_utc=time_utc,
            utc_offset=utc_offset,
            terminal_id=self.terminal_id,
            operator_id=operator_id,
            body=body,
        )
        if not 0 <= time_utc <= codes.MAX_TIME_UTC:
            raise FiscalError("BAD_TIME", "the clock is outside the representable dates")
        if abs(utc_offset) > codes.MAX_UTC_OFFSET_MINUTES:
            raise FiscalError("BAD_TIME", "the UTC offset is out of range")
        to_sign = data_to_sign(record, head.signature)
        record.signature = self.signer.sign(to_sign.encode("utf-8"))
        sealed = Sealed(record, to_sign)
        if len(sealed.encoded) > codes.MAX_RECORD_BYTES:
            raise FiscalError("RECORD_TOO_LARGE", "the record exceeds the journal frame size")
        return sealed


def _check_lines(lines: list[Line]) -> None:
    if not lines:
        raise FiscalError("EMPTY_SALE", "a ticket needs at least one line")
    if len(lines) > MAX_LINES:
        raise FiscalError("TOO_MANY_LINES", f"a ticket holds at most {MAX_LINES} lines")
    for line in lines:
        if line.quantity <= 0:
            raise FiscalError("BAD_QUANTITY", "a sale line needs a positive quantity")
        if line.unit_price < 0:
            raise FiscalError("BAD_PRICE", "a unit price cannot be negative")
        if not 0 <= line.vat_rate <= codes.MAX_VAT_RATE:
            raise FiscalError("BAD_VAT_RATE", f"VAT rate {line.vat_rate} is out of range")
        if len(line.label) > MAX_TEXT_CHARS or len(line.ref) > MAX_TEXT_CHARS:
            raise FiscalError("TEXT_TOO_LONG", "item label too long")


class Verifier:
    """Checks records one by one, in journal order, and keeps the resulting state.

    ``check(record)`` raises IntegrityError naming the record on the first
    broken rule: sequence or chain numbering, signature, terminal, perpetual
    totals, payments.
    """

    def __init__(self, public_key: bytes, terminal_id: str | None = None) -> None:
        self.public_key = public_key
        self.terminal_id = terminal_id
        self.state = LedgerState()

    def check(self, record: Record) -> None:
        state = self.state
        if record.seq != state.seq + 1:
            _fail(record, f"journal sequence {record.seq} where {state.seq + 1} was expected")
        head = state.head(record.doc_type)
        if record.number != head.number + 1:
            _fail(
                record, f"number {record.number} where {head.number + 1} was expected in its chain"
            )
        if self.terminal_id is not None and record.terminal_id != self.terminal_id:
            _fail(record, f"terminal {record.terminal_id!r} is not {self.terminal_id!r}")
        message = data_to_sign(record, head.signature).encode("utf-8")
        if not verify(self.public_key, message, record.signature):
            _fail(record, "signature does not match the record and its chain")
        body = record.body
        if isinstance(body, TicketBody):
            if body.gt_real != state.gt_real + body.total:
                _fail(record, "perpetual grand total (real) does not add up")
            if body.gt_absolute != state.gt_absolute + body.absolute_total:
                _fail(record, "perpetual grand total (absolute) does not add up")
            if sum(p.amount for p in body.payments) - body.change != body.total:
                _fail(record, "payments minus change do not equal the total")
        state.advance(record)


def _fail(record: Record, message: str) -> None:
    raise IntegrityError(record.seq, record.doc_type, message)
