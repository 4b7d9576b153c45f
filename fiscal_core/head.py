"""The signed head statement: what the journal's end is, signed fresh for an inspector.

A hash chain cannot show records removed at its end. When an inspector
dumps the fiscal memory, the terminal signs, over the inspector's own nonce,
the number of records, the signature of the last one, its monotonic counter
and the time. A copy shortened afterwards no longer matches the statement,
and the nonce proves the statement is fresh, not replayed.

Encoding (docs/SPEC.md, "Head statement"): the canonical CBOR array
``[statement, signature]`` where ``statement`` is the canonical CBOR of
``["nf525-head", 1, terminal_id, seq, last_signature, counter, time_utc,
utc_offset, nonce]`` and ``signature`` is Ed25519 over those bytes.
"""

from fiscal_core.cbor import decode, encode
from fiscal_core.ed25519 import verify
from fiscal_core.errors import FormatError
from fiscal_core.fields import blob, integer, text, uint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.ed25519 import Signer

HEAD_MAGIC = "nf525-head"
HEAD_VERSION = 1


class HeadStatement:
    """The journal's head as the terminal states it; see the module docstring."""

    __slots__ = (
        "counter",
        "last_signature",
        "nonce",
        "seq",
        "terminal_id",
        "time_utc",
        "utc_offset",
    )

    def __init__(
        self,
        terminal_id: str,
        seq: int,
        last_signature: bytes,
        counter: int,
        time_utc: int,
        utc_offset: int,
        nonce: bytes,
    ) -> None:
        self.terminal_id = terminal_id
        self.seq = seq  # the last record's journal sequence number (= number of records)
        self.last_signature = last_signature  # b"" on an empty journal
        self.counter = counter  # the monotonic counter's value (issue 4); 0 without one
        self.time_utc = time_utc
        self.utc_offset = utc_offset
        self.nonce = nonce

    def statement(self) -> bytes:
        return encode(
            [
                HEAD_MAGIC,
                HEAD_VERSION,
                self.terminal_id,
                self.seq,
                self.last_signature,
                self.counter,
                self.time_utc,
                self.utc_offset,
                self.nonce,
            ]
        )

    def sign(self, signer: "Signer") -> bytes:
        """Return the signed statement's bytes."""
        statement = self.statement()
        return encode([statement, signer.sign(statement)])

    @classmethod
    def open(cls, data: bytes, public_key: bytes) -> "HeadStatement":
        """Return the statement in ``data``; raise FormatError if malformed or badly signed."""
        outer = decode(data)
        if len(outer) != 2:
            raise FormatError(0, 0, "a head statement is [statement, signature]")
        statement, signature = blob(outer[0]), blob(outer[1])
        if not verify(public_key, statement, signature):
            raise FormatError(0, 0, "head statement signature is invalid")
        f = decode(statement)
        if len(f) != 9 or f[0] != HEAD_MAGIC or f[1] != HEAD_VERSION:
            raise FormatError(0, 0, "not a head statement of a known version")
        return cls(
            text(f[2]), uint(f[3]), blob(f[4]), uint(f[5]), uint(f[6]), integer(f[7]), blob(f[8])
        )
