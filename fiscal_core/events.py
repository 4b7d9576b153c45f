"""Body of a JET line (journal of technical events)."""

from fiscal_core.fields import array, integer, text, uint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.cbor import CborValue


class JetBody:
    """Event code (codes.JET_*), free text, and an amount in cents (0 when none).

    The amount carries the cash float, cash in / out and drawer counts, so
    that reports and exports read numbers, not text.
    """

    __slots__ = ("amount", "code", "text")

    def __init__(self, code: int, text: str, amount: int = 0) -> None:
        self.code = code
        self.text = text
        self.amount = amount

    def to_array(self) -> "list[CborValue]":
        return [self.code, self.text, self.amount]

    @classmethod
    def from_array(cls, value: "CborValue") -> "JetBody":
        f = array(value, 3, "JET body")
        return cls(uint(f[0]), text(f[1]), integer(f[2]))
