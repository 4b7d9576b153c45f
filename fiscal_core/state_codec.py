"""The ledger state as a fixed-position CBOR array: exact, canonical, for signed checkpoints.

``state_to_array(state)`` and ``state_from_array(value)`` are exact inverses:
every slot of LedgerState is written, and dictionaries and sets become
arrays sorted by key, so one state has one encoding (no dict order, no
booleans: flags are 0 or 1). Layout: docs/SPEC.md, "Checkpoint". A new
slot in LedgerState needs a new position here and a new checkpoint version.

Version 2 had three more slots, after the closure totals: the reprint
counts, the invoiced tickets and the returned quantities of every document
concerned (they grew with the terminal's age). The journal holds those
facts (fiscal_core/links.py), so a version-2 state is read with them
checked for shape and left out.
"""

from fiscal_core.closures import COUNT_FIELDS, Totals
from fiscal_core.errors import FormatError
from fiscal_core.fields import array, blob, integer, pairs, text, uint
from fiscal_core.state import ChainHead, LedgerState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.cbor import CborValue

STATE_FIELDS = 25
_FORMER_LINK_SLOTS = 3  # version 2: reprints, invoiced, returned, after slot 16
TOTALS_FIELDS = 8


def state_to_array(state: LedgerState) -> "list[CborValue]":
    """Return the canonical array of every slot of ``state`` (docs/SPEC.md, "Checkpoint")."""
    return [
        state.fiscal_year_start_month,
        state.seq,
        [[t, h.number, h.signature] for t, h in sorted(state.chains.items())],
        state.gt_real,
        state.gt_absolute,
        state.last_time,
        int(state.period_open),
        state.business_day,
        int(state.training),
        totals_to_array(state.day),
        totals_to_array(state.month),
        totals_to_array(state.year),
        state.month_label,
        state.month_days,
        state.year_label,
        state.year_months,
        [[t, gt] for t, gt in sorted(state.closure_gt.items())],
        sorted(state.unprinted),
        [
            [t, n, first, last, [[rate, amount] for rate, amount in vat], total]
            for (t, n), (first, last, vat, total) in sorted(state.closures.items())
        ],
        [[t, n] for t, n in sorted(state.archived)],
        int(state.archive_due),
        state.config_ack,
        int(state.integrity_alarm),
        state.counter_base,
        state.last_start,
    ]


def state_from_array(value: "CborValue", former: bool = False) -> LedgerState:
    """Return the state encoded by ``value``; raise FormatError when it is not one.

    ``former``: a version-2 state, whose link slots are checked and left out.
    """
    if former:
        f = array(value, STATE_FIELDS + _FORMER_LINK_SLOTS, "ledger state")
        for slot, what in ((17, "reprints"), (18, "invoiced tickets"), (19, "returns")):
            array(f[slot], -1, what)  # signed by the terminal: only their shape is checked
        f = f[:17] + f[20:]
    else:
        f = array(value, STATE_FIELDS, "ledger state")
    state = LedgerState(uint(f[0]))
    state.seq = uint(f[1])
    for item in array(f[2], -1, "chains"):
        doc_type, number, signature = array(item, 3, "chain head")
        state.chains[uint(doc_type)] = ChainHead(uint(number), blob(signature))
    state.gt_real = integer(f[3])
    state.gt_absolute = uint(f[4])
    state.last_time = uint(f[5])
    state.period_open = _flag(f[6])
    state.business_day = integer(f[7])
    state.training = _flag(f[8])
    state.day, state.month, state.year = (totals_from_array(f[i]) for i in (9, 10, 11))
    state.month_label = text(f[12])
    state.month_days = uint(f[13])
    state.year_label = text(f[14])
    state.year_months = uint(f[15])
    state.closure_gt = dict(pairs(f[16], "closure totals"))
    state.unprinted = {uint(n) for n in array(f[17], -1, "unprinted tickets")}
    for item in array(f[18], -1, "closures"):
        doc_type, number, first, last, vat, total = array(item, 6, "closure")
        closure = (uint(first), uint(last), pairs(vat, "closure VAT"), integer(total))
        state.closures[(uint(doc_type), uint(number))] = closure
    for item in array(f[19], -1, "archived closures"):
        doc_type, number = array(item, 2, "archived closure")
        state.archived.add((uint(doc_type), uint(number)))
    state.archive_due = _flag(f[20])
    state.config_ack = text(f[21])
    state.integrity_alarm = _flag(f[22])
    state.counter_base = integer(f[23])
    state.last_start = text(f[24])
    return state


def totals_to_array(totals: Totals) -> "list[CborValue]":
    return [
        totals.from_seq,
        [[rate, amount] for rate, amount in sorted(totals.vat.items())],
        totals.total_real,
        totals.total_absolute,
        [[means, amount] for means, amount in sorted(totals.payments.items())],
        list(totals.counts),
        totals.cash_float,
        totals.cash_moves,
    ]


def totals_from_array(value: "CborValue") -> Totals:
    f = array(value, TOTALS_FIELDS, "period totals")
    totals = Totals(uint(f[0]))
    totals.vat = dict(pairs(f[1], "VAT totals"))
    totals.total_real = integer(f[2])
    totals.total_absolute = uint(f[3])
    totals.payments = dict(pairs(f[4], "payment totals"))
    totals.counts = [uint(c) for c in array(f[5], COUNT_FIELDS, "counts")]
    totals.cash_float = integer(f[6])
    totals.cash_moves = integer(f[7])
    return totals


def _flag(value: "CborValue") -> bool:
    if value not in (0, 1):
        raise FormatError(0, 0, "a flag is 0 or 1")
    return value == 1
