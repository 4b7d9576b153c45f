"""Body of a JET line (journal of technical events)."""

from fiscal_core.fields import array, integer, text, uint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.cbor import CborValue


class JetBody:
    """Event code (codes.JET_*), free text, an amount in cents and a ticket reference.

    The amount carries the cash float, cash in / out and drawer counts; the
    reference names the ticket an event is about (not printed, printed
    late, payment proof); both 0 when none. Reports, exports and the
    terminal's own state read numbers, never text.
    """

    __slots__ = ("amount", "code", "ref", "text")

    def __init__(self, code: int, text: str, amount: int = 0, ref: int = 0) -> None:
        self.code = code
        self.text = text
        self.amount = amount
        self.ref = ref

    def to_array(self) -> "list[CborValue]":
        return [self.code, self.text, self.amount, self.ref]

    @classmethod
    def from_array(cls, value: "CborValue") -> "JetBody":
        f = array(value, 4, "JET body")
        return cls(uint(f[0]), text(f[1]), integer(f[2]), uint(f[3]))
