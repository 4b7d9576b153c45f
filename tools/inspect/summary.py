"""What the verification report says of the journal as a whole, gathered one record at a time.

The summary (records per document type, sales and returns, periods and
closures, first and last record, perpetual totals recomputed from the
tickets, the last fiscal-year closure and whether an ARCHIVE follows it)
is accumulated as the records are read, so that the report does not need
the decoded records: ``see`` takes each decoded record in journal order,
and keeps only counters and the few records the report names.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tools.inspect.condense import Run
from tools.inspect.formats import local_text
from tools.inspect.model import (
    CLOSURE_TYPES,
    DOC_GT_PERIOD,
    DOC_GT_YEAR,
    DOC_TICKET,
    DOC_TRAINING,
    JET_CASH_FLOAT,
    ArchiveBody,
    ClosureBody,
    JetBody,
    Record,
    TicketBody,
    doc_name,
)


def moment(record: Record) -> dict[str, Any]:
    """Return where and when a record is: ``seq``, ``time_utc`` and local time as text."""
    return {
        "seq": record.seq,
        "time_utc": record.time_utc,
        "local": local_text(record.time_utc, record.utc_offset),
    }


class Summary:
    """Counters over the decoded records of a journal, in journal order."""

    def __init__(self) -> None:
        self.records = 0
        self.counts: Counter[str] = Counter()
        self.first: dict[str, Any] | None = None
        self.last_record: Record | None = None
        self.real = 0
        self.absolute = 0
        self.last_ticket: tuple[int, int, int] | None = None  # number, gt_real, gt_absolute
        self.sales = 0
        self.returns = 0
        self.training = 0
        self.opened = 0
        self.last_float: Record | None = None
        self.last_day_seq: int | None = None
        self.closures = dict.fromkeys(CLOSURE_TYPES, 0)
        self.last_closure: Record | None = None
        self.last_year: Record | None = None
        self.year_archive_seq = -1  # highest seq of an ARCHIVE of a fiscal year

    def see(self, record: Record) -> None:
        """Count one decoded record (call in journal order)."""
        self.records += 1
        self.counts[doc_name(record.doc_type)] += 1
        if self.first is None:
            self.first = moment(record)
        self.last_record = record
        body, kind = record.body, record.doc_type
        if kind == DOC_TICKET and isinstance(body, TicketBody):
            self._ticket(record, body)
        elif kind == DOC_TRAINING:
            self.training += 1
        elif isinstance(body, JetBody) and body.code == JET_CASH_FLOAT:
            self.opened += 1
            self.last_float = record
        elif kind in CLOSURE_TYPES:
            self.closures[kind] += 1
            self.last_closure = record
            if kind == DOC_GT_PERIOD:
                self.last_day_seq = record.seq
            elif kind == DOC_GT_YEAR:
                self.last_year = record
        elif isinstance(body, ArchiveBody) and body.closure_type == DOC_GT_YEAR:
            self.year_archive_seq = max(self.year_archive_seq, record.seq)

    def add_run(self, run: Run) -> None:
        """Count a run of sales and JET lines (``condense``), in journal order: never the
        first record nor a chain's last, so ``first``, ``last_record``, ``last_ticket`` stay."""
        self.records += run.count
        for doc_type, (first, last) in run.numbers.items():
            self.counts[doc_name(doc_type)] += last - first + 1
        self.real += run.real
        self.absolute += run.absolute
        self.sales += run.tickets()

    def _ticket(self, record: Record, body: TicketBody) -> None:
        total = body.total
        self.real += total
        self.absolute += body.absolute_total
        if body.is_return:
            self.returns += 1
        else:
            self.sales += 1
        if self.last_ticket is None or record.number > self.last_ticket[0]:
            self.last_ticket = (record.number, body.gt_real, body.gt_absolute)

    def last_moment(self) -> dict[str, Any] | None:
        return moment(self.last_record) if self.last_record is not None else None

    def periods(self) -> dict[str, Any]:
        """Return periods and closures: floats, closures per kind, last closure, open period."""
        still_open = self.last_float is not None and (
            self.last_day_seq is None or self.last_float.seq > self.last_day_seq
        )
        last = self.last_closure
        return {
            "sales": self.sales,
            "returns": self.returns,
            "training": self.training,
            "opened": self.opened,
            "closures": {doc_name(k): n for k, n in self.closures.items()},
            "last_closure": _closure(last) if last is not None else None,
            "open_since": moment(self.last_float) if still_open and self.last_float else None,
        }

    def year_not_archived(self) -> dict[str, Any] | None:
        """Return the last fiscal-year closure if no ARCHIVE of a year follows it, else None."""
        last = self.last_year
        if last is None or self.year_archive_seq > last.seq:
            return None
        label = last.body.label if isinstance(last.body, ClosureBody) else None
        return {"seq": last.seq, "number": last.number, "period": label}


def _closure(record: Record) -> dict[str, Any]:
    body = record.body
    closure = body if isinstance(body, ClosureBody) else None
    return {
        "doc_type": doc_name(record.doc_type),
        "number": record.number,
        **moment(record),
        "period": closure.label if closure else None,
        "total_real": closure.total_real if closure else None,
        "gt_real": closure.gt_real if closure else None,
        "gt_absolute": closure.gt_absolute if closure else None,
    }
