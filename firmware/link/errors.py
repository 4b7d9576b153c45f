"""Errors of the inspection link, split by blame as h11 does, each with a stable code.

- ``LocalProtocolError``: *this* side was asked to do something the
  protocol forbids (send a request before the handshake, a second request
  while one is outstanding, an id out of turn, a message too large). It is
  raised at once by the sans-I/O code: it is a bug in the caller.
- ``RemoteProtocolError``: the *peer* broke the protocol (garbage, bad
  CRC, a message that does not decode, a reply nobody asked for, another
  protocol version). The sans-I/O code never raises it: it is returned by
  ``next_event()`` as an event, and the connection's state does not change.

An ERROR message on the wire (sent only by the terminal) carries a numeric
code from ``WIRE_CODES``; ``reply_error`` turns it into the exception the
inspector's side should see, blamed on whoever was at fault.
"""

# Codes carried by ERROR messages (docs/LINK.md, "Error codes"). Never renumber.
BAD_FRAME = 1  # a frame arrived damaged (garbage, truncated, CRC, oversized): resend
BAD_MESSAGE = 2  # intact frame, but not a well-formed message
UNKNOWN_MESSAGE = 3  # a message type the terminal does not know
NOT_READY = 4  # a request before a successful handshake (or after a terminal restart)
ID_REUSED = 5  # the id of a recently answered request again, with different content
BAD_ARGUMENT = 6  # a field outside its range (seq 0, count 0, offset past the end...)
NO_SUCH_ARCHIVE = 7  # READ_ARCHIVE of a name LIST_ARCHIVES does not give
SOURCE_FAILED = 8  # the terminal could not read its own memory to answer

WIRE_CODES = {
    BAD_FRAME: "BAD_FRAME",
    BAD_MESSAGE: "BAD_MESSAGE",
    UNKNOWN_MESSAGE: "UNKNOWN_MESSAGE",
    NOT_READY: "NOT_READY",
    ID_REUSED: "ID_REUSED",
    BAD_ARGUMENT: "BAD_ARGUMENT",
    NO_SUCH_ARCHIVE: "NO_SUCH_ARCHIVE",
    SOURCE_FAILED: "SOURCE_FAILED",
}

# The wire codes that put the fault on the terminal; every other one is the requester's.
TERMINAL_FAULTS = (SOURCE_FAILED,)


class LinkError(Exception):
    """An error of the inspection link; ``code`` is a stable upper-case name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self) and self.code == other.code and self.message == other.message
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.code, self.message))


class LocalProtocolError(LinkError):
    """This side broke the protocol (raised: a bug in the caller, or a refused request)."""


class RemoteProtocolError(LinkError):
    """The peer broke the protocol (an event from ``next_event()``, never raised there)."""


def code_name(code: int) -> str:
    """Return the stable name of wire error ``code`` (``"CODE_n"`` when unknown)."""
    return WIRE_CODES.get(code, "CODE_" + str(code))


def reply_error(code: int, text: str) -> LinkError:
    """Return the error an ERROR(code, text) from the terminal means to the requester.

    The terminal's own failures (SOURCE_FAILED) are RemoteProtocolError; the
    others say that the request was wrong or arrived damaged, so they are
    the requester's: LocalProtocolError.
    """
    name = code_name(code)
    message = "terminal: " + name + (": " + text if text else "")
    if code in TERMINAL_FAULTS:
        return RemoteProtocolError(name, message)
    return LocalProtocolError(name, message)
