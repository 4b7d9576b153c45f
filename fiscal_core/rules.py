"""Checks of a sale or a return before it is sealed; each failure is a FiscalError."""

from fiscal_core import codes
from fiscal_core.errors import FiscalError
from fiscal_core.links import line_key
from fiscal_core.sales import Line, Payment, TicketBody

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.records import Record

MAX_TEXT_CHARS = 200
MAX_LINES = 500


def check_text(text: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise FiscalError("TEXT_TOO_LONG", f"texts are limited to {MAX_TEXT_CHARS} characters")


def check_lines(lines: "list[Line]", sign: int) -> None:
    """Check item lines; ``sign`` is +1 for a sale (positive quantities), -1 for a return."""
    if not lines:
        raise FiscalError("EMPTY_SALE", "a ticket needs at least one line")
    if len(lines) > MAX_LINES:
        raise FiscalError("TOO_MANY_LINES", f"a ticket holds at most {MAX_LINES} lines")
    for line in lines:
        if line.quantity * sign <= 0:
            raise FiscalError("BAD_QUANTITY", "wrong quantity sign for this operation")
        if line.unit_price < 0:
            raise FiscalError("BAD_PRICE", "a unit price cannot be negative")
        if not 0 <= line.vat_rate <= codes.MAX_VAT_RATE:
            raise FiscalError("BAD_VAT_RATE", f"VAT rate {line.vat_rate} is out of range")
        if len(line.label) > MAX_TEXT_CHARS or len(line.ref) > MAX_TEXT_CHARS:
            check_text(line.label)
            check_text(line.ref)


def check_sale(lines: "list[Line]", payments: "list[Payment]") -> int:
    """Check a sale and return the change due (out of cash only)."""
    check_lines(lines, +1)
    total = sum([line.quantity * line.unit_price for line in lines])
    # One pass over the payments (every sale): amounts first, then means, as errors go.
    paid = cash = 0
    known = True
    for p in payments:
        if p.amount <= 0:
            raise FiscalError("BAD_PAYMENT", "a payment amount must be positive")
        known = known and p.means in codes.PAYMENT_NAMES
        paid += p.amount
        if p.means == codes.PAY_CASH:
            cash += p.amount
    if not known:
        raise FiscalError("BAD_PAYMENT", "unknown means of payment")
    if paid < total:
        raise FiscalError("PAYMENT_SHORT", f"payments {paid} are below the total {total}")
    change = paid - total
    if change > cash:
        raise FiscalError("CHANGE_NOT_CASH", "change can only be given back out of cash")
    return change


def check_return(
    original: "Record",
    lines: "list[Line]",
    refunds: "list[Payment]",
    reason: str,
    already_returned: "dict[str, int]",
) -> None:
    """Check a return against the sale it compensates (6.3.3.3-4)."""
    body = original.body
    if original.doc_type != codes.DOC_TICKET or not isinstance(body, TicketBody):
        raise FiscalError("NOT_A_TICKET", "a return refers to a recorded sale ticket")
    if body.is_return:
        raise FiscalError("NOT_A_SALE", "a return cannot be returned")
    if not reason.strip():
        raise FiscalError("REASON_REQUIRED", "a return needs a reason code")
    check_text(reason)
    check_lines(lines, -1)
    sold: dict[str, int] = {}
    for line in body.lines:
        key = line_key(line.ref, line.unit_price, line.vat_rate)
        sold[key] = sold.get(key, 0) + line.quantity
    asked: dict[str, int] = {}
    for line in lines:
        key = line_key(line.ref, line.unit_price, line.vat_rate)
        asked[key] = asked.get(key, 0) - line.quantity
    for key, quantity in asked.items():
        if key not in sold:
            raise FiscalError("NOT_ON_TICKET", "this item is not on the original ticket")
        if quantity + already_returned.get(key, 0) > sold[key]:
            raise FiscalError("RETURN_TOO_LARGE", "more returned than was sold")
    total = sum(line.total for line in lines)
    if any(p.amount >= 0 for p in refunds) or any(
        p.means not in codes.PAYMENT_NAMES for p in refunds
    ):
        raise FiscalError("BAD_PAYMENT", "a refund is a negative amount in a known means")
    if sum(p.amount for p in refunds) != total:
        raise FiscalError("REFUND_MISMATCH", "refunds must equal the amount returned")
