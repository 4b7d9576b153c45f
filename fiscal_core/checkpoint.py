"""The signed checkpoint: the ledger state at one point of the journal, so boot reads the tail.

A checkpoint states "after the record ``seq``, which ends at byte ``offset``
of segment ``segment`` and whose bytes have SHA-256 ``last_digest``, the
ledger state is ``state``". The terminal signs it with its own key, over a
domain-separated message (CHECKPOINT_DOMAIN, then the body's bytes): no
record's data to sign starts with a letter, and the head statement is a
CBOR array, so a checkpoint signature can never pass for either.

It is trusted only after three checks (firmware/recovery.py): the
signature, the record at its position (present, with that digest and that
seq: the journal was not cut or rewritten before it), and the Verifier on
every record after it, started from its state. It is not a fiscal record:
deleting it only makes the next boot verify the whole journal.

Encoding (docs/SPEC.md, "Checkpoint"): the canonical CBOR array
``[body, signature]``; ``body`` is the canonical CBOR of ``["nf525-checkpoint",
version, terminal_id, seq, segment, offset, last_digest, used_bytes,
state]``.
"""

from fiscal_core.cbor import decode, encode
from fiscal_core.ed25519 import verify
from fiscal_core.errors import FormatError
from fiscal_core.fields import array, blob, text, uint
from fiscal_core.state_codec import state_from_array, state_to_array

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.ed25519 import Signer
    from fiscal_core.state import LedgerState

CHECKPOINT_MAGIC = "nf525-checkpoint"
CHECKPOINT_VERSION = 3  # 2: only the last closure of each kind; 3: no links (reprints...)
FORMER_VERSION = 2  # still read: its state's link slots are left out (fiscal_core/state_codec.py)
CHECKPOINT_DOMAIN = b"NF525-CHECKPOINT\x00"
DIGEST_BYTES = 32
BODY_FIELDS = 9


class Checkpoint:
    """The state after journal record ``seq`` and where that record ends on flash."""

    __slots__ = ("last_digest", "offset", "segment", "seq", "state", "terminal_id", "used_bytes")

    def __init__(
        self,
        terminal_id: str,
        state: "LedgerState",
        segment: int,
        offset: int,
        last_digest: bytes,
        used_bytes: int,
    ) -> None:
        self.terminal_id = terminal_id
        self.state = state
        self.seq = state.seq  # the last record covered (= the number of records)
        self.segment = segment  # index of the segment holding that record (0: empty journal)
        self.offset = offset  # byte offset just after that record's frame in its segment
        self.last_digest = last_digest  # SHA-256 of that record's bytes (b"" when seq = 0)
        self.used_bytes = used_bytes  # the fiscal memory in use at that point (capacity)

    def body(self) -> bytes:
        return encode(
            [
                CHECKPOINT_MAGIC,
                CHECKPOINT_VERSION,
                self.terminal_id,
                self.seq,
                self.segment,
                self.offset,
                self.last_digest,
                self.used_bytes,
                state_to_array(self.state),
            ]
        )

    def sign(self, signer: "Signer") -> bytes:
        """Return the signed checkpoint's bytes (the side file's content)."""
        body = self.body()
        return encode([body, signer.sign(CHECKPOINT_DOMAIN + body)])

    @classmethod
    def open(cls, data: bytes, public_key: bytes) -> "Checkpoint":
        """Return the checkpoint in ``data``; raise FormatError if malformed or badly signed."""
        outer = decode(data)
        if len(outer) != 2:
            raise FormatError(0, 0, "a checkpoint is [body, signature]")
        body, signature = blob(outer[0]), blob(outer[1])
        if not verify(public_key, CHECKPOINT_DOMAIN + body, signature):
            raise FormatError(0, 0, "checkpoint signature is invalid")
        f = array(decode(body), BODY_FIELDS, "checkpoint")
        if f[0] != CHECKPOINT_MAGIC or f[1] not in (CHECKPOINT_VERSION, FORMER_VERSION):
            raise FormatError(0, 0, "not a checkpoint of a known version")
        state = state_from_array(f[8], former=f[1] == FORMER_VERSION)
        if uint(f[3]) != state.seq:
            raise FormatError(0, 0, "checkpoint seq differs from its state's")
        digest = blob(f[6])
        if len(digest) != (DIGEST_BYTES if state.seq else 0):
            raise FormatError(0, 0, "checkpoint digest has the wrong size")
        return cls(text(f[2]), state, uint(f[4]), uint(f[5]), digest, uint(f[7]))
