"""The ledger state: everything the next record depends on, and its one transition.

``LedgerState.advance(record)`` is the only place where a record changes the
state. The ledger calls it after a record is durable; every verifier (boot
recovery, self-test) calls it after checking a record. So the terminal and
its checks cannot disagree on what a record means for numbering, chains,
perpetual totals, periods and their totals.
"""

from fiscal_core import codes
from fiscal_core.civil import day_label, local_day, month_label
from fiscal_core.closures import (
    COUNT_DUPLICATES,
    COUNT_INVOICES,
    ClosureBody,
    Totals,
    add_ticket,
)
from fiscal_core.documents import ArchiveBody, DuplicateBody, InvoiceBody
from fiscal_core.events import JetBody
from fiscal_core.periods import fiscal_year_label
from fiscal_core.sales import TicketBody

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.records import Record

DEFAULT_FISCAL_YEAR_START_MONTH = 1


class ChainHead:
    """Number and signature of the last record of one document chain."""

    __slots__ = ("number", "signature")

    def __init__(self, number: int, signature: bytes) -> None:
        self.number = number
        self.signature = signature


class LedgerState:
    """Numbering, chains, perpetual totals, the open period and period totals."""

    __slots__ = (
        "archive_due",
        "archived",
        "business_day",
        "chains",
        "closure_gt",
        "closures",
        "config_ack",
        "counter_base",
        "day",
        "fiscal_year_start_month",
        "gt_absolute",
        "gt_real",
        "integrity_alarm",
        "last_start",
        "last_time",
        "month",
        "month_days",
        "month_label",
        "period_open",
        "seq",
        "training",
        "unprinted",
        "year",
        "year_label",
        "year_months",
    )

    def __init__(self, fiscal_year_start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH) -> None:
        self.fiscal_year_start_month = fiscal_year_start_month
        self.seq = 0
        self.chains: dict[int, ChainHead] = {}
        self.gt_real = 0
        self.gt_absolute = 0
        self.last_time = 0
        self.period_open = False
        self.business_day = 0
        self.training = False
        self.day = Totals(1)
        self.month = Totals(1)
        self.year = Totals(1)
        self.month_label = ""  # month of the periods not yet covered by a month closure
        self.month_days = 0  # daily closures since the last month closure
        self.year_label = ""
        self.year_months = 0  # month closures since the last year closure
        self.closure_gt: dict[int, int] = {}  # perpetual total at the last closure, per kind
        # Reprints, invoices and returns of a document are not kept here: they are read from
        # the journal when a document is reprinted, invoiced or returned (fiscal_core/links.py).
        self.unprinted: set[int] = set()  # tickets journaled as not printed (JET 901)
        # (closure type, number) -> (from_seq, seq, VAT pairs, period total): what an archive
        # names. Only the last closure of each kind: the one an archive can be made of.
        self.closures: dict[tuple[int, int], tuple[int, int, list[tuple[int, int]], int]] = {}
        self.archived: set[tuple[int, int]] = set()  # those of them already archived
        self.archive_due = False  # a fiscal year is closed but not archived yet
        self.config_ack = ""  # digest of the configuration last acknowledged (JET 401)
        self.integrity_alarm = False  # JET 90 journaled and not released (JET 91)
        self.counter_base = 0  # monotonic counter minus seq, set by a release (JET 91)
        self.last_start = ""  # text of the last start-up line (JET 80): the software version

    def head(self, doc_type: int) -> ChainHead:
        return self.chains.get(doc_type) or ChainHead(0, b"")

    def levels(self) -> "tuple[Totals, Totals, Totals]":
        return self.day, self.month, self.year

    def closure_label(self, doc_type: int) -> str:
        if doc_type == codes.DOC_GT_PERIOD:
            return day_label(self.business_day)
        return self.month_label if doc_type == codes.DOC_GT_MONTH else self.year_label

    def expected_closure(self, doc_type: int) -> ClosureBody:
        """Return the closure body that a closure of ``doc_type`` must state now."""
        totals = {
            codes.DOC_GT_PERIOD: self.day,
            codes.DOC_GT_MONTH: self.month,
            codes.DOC_GT_YEAR: self.year,
        }[doc_type]
        return ClosureBody.from_totals(
            self.closure_label(doc_type),
            totals,
            self.closure_gt.get(doc_type, 0),
            self.gt_real,
            self.gt_absolute,
        )

    def advance(self, record: "Record") -> None:
        """Move the state past ``record`` (already checked or just made durable)."""
        self.seq = record.seq
        self.chains[record.doc_type] = ChainHead(record.number, record.signature)
        self.last_time = max(self.last_time, record.time_utc)
        body = record.body
        if isinstance(body, TicketBody):
            self._ticket(record.doc_type, record.number, body)
        elif isinstance(body, JetBody):
            self._event(record, body)
        elif isinstance(body, ClosureBody):
            self._closure(record.doc_type, record.seq)
            self._last_closure(record, body)
        elif isinstance(body, ArchiveBody):
            self.archived.add((body.closure_type, body.closure_number))
            last_year = self.head(codes.DOC_GT_YEAR).number
            if body.closure_type == codes.DOC_GT_YEAR and body.closure_number == last_year:
                self.archive_due = False  # only the last closed year's archive opens the next
        elif isinstance(body, DuplicateBody):
            for totals in self.levels():
                totals.count(COUNT_DUPLICATES)
        elif isinstance(body, InvoiceBody):
            for totals in self.levels():
                totals.count(COUNT_INVOICES)

    def _ticket(self, doc_type: int, number: int, body: TicketBody) -> None:
        if doc_type == codes.DOC_TRAINING:
            return  # training counts nowhere
        self.chains[codes.DOC_GT_TICKET] = ChainHead(number, body.gt_signature)
        self.gt_real = body.gt_real
        self.gt_absolute = body.gt_absolute
        add_ticket((self.day, self.month, self.year), body)

    def _event(self, record: "Record", body: JetBody) -> None:
        if body.code == codes.JET_CASH_FLOAT:
            self.period_open = True
            self.business_day = local_day(record.time_utc, record.utc_offset)
            if not self.month_label:
                self.month_label = month_label(self.business_day)
            if not self.year_label:
                self.year_label = fiscal_year_label(self.business_day, self.fiscal_year_start_month)
        elif body.code == codes.JET_TRAINING_ON:
            self.training = True
        elif body.code == codes.JET_TRAINING_OFF:
            self.training = False
        elif body.code == codes.JET_START:
            self.last_start = body.text
        elif body.code == codes.JET_INTEGRITY_ERROR:
            self.integrity_alarm = True
        elif body.code == codes.JET_INTEGRITY_CLEARED:
            self.integrity_alarm = False
            self.counter_base = body.amount - record.seq  # amount: the counter at the release
        elif body.code == codes.JET_CONFIG_ACK:
            self.config_ack = body.text
        elif body.code == codes.JET_RECEIPT_NOT_PRINTED:
            self.unprinted.add(body.ref)
        elif body.code == codes.JET_RECEIPT_PRINTED_LATE:
            self.unprinted.discard(body.ref)
        for totals in self.levels():
            totals.add_event(body)

    def _last_closure(self, record: "Record", body: ClosureBody) -> None:
        """Keep ``record`` as its kind's last closure, the one an archive can name.

        The terminal archives the last closure of a kind (firmware/archiving.py),
        and a closed fiscal year must be archived before the next period opens:
        the earlier closures of the kind, archived or not, are never named
        again, so the state forgets them and does not grow with the years.
        """
        kind = record.doc_type
        self.closures = {key: value for key, value in self.closures.items() if key[0] != kind}
        self.archived = {key for key in self.archived if key[0] != kind}
        key = (kind, record.number)
        self.closures[key] = (body.from_seq, record.seq, body.vat, body.total_real)

    def _closure(self, doc_type: int, seq: int) -> None:
        self.closure_gt[doc_type] = self.gt_real
        if doc_type == codes.DOC_GT_PERIOD:
            self.period_open = False
            self.day = Totals(seq + 1)
            self.month_days += 1
        elif doc_type == codes.DOC_GT_MONTH:
            self.month = Totals(seq + 1)
            self.month_label = ""
            self.month_days = 0
            self.year_months += 1
        else:
            self.year = Totals(seq + 1)
            self.year_label = ""
            self.year_months = 0
            self.archive_due = True
