"""The base of every inspection-link message, the limits of its fields, and the request id.

A message is the canonical CBOR array ``[type, fields...]`` with fixed
positions (docs/LINK.md §2); firmware/link/messages.py lists every one.
"""

from firmware.link.codec import Malformed, dumps, uint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from firmware.link.codec import CborValue

PROTOCOL_NAME = "fiscal-link"
PROTOCOL_VERSION = 3  # what this code speaks first; the terminal also serves SUPPORTED_VERSIONS
SUPPORTED_VERSIONS = (1, 2, 3)
WINDOW = 4  # version 2 on: reads outstanding at once (pipelined); version 1: one request
ID_MAX = 2**32 - 1
TEXT_MAX = 200  # characters of an error text
NONCE_MIN, NONCE_MAX = 16, 64
RECORD_MAX = 0xFFFF  # bytes of one record (a journal frame's u16 length)
COUNT_MAX = 0xFFFF  # records asked for in one READ_RECORDS
STATEMENT_MAX = 16 * 1024
ARCHIVES_MAX = 1024
CHUNK_MAX = 60 * 1024  # bytes of archive asked for, or sent, at once
FRAMES_MAX = 1024 * 1024  # bytes of journal segments sent at once (version 3's bulk reply)
SEGMENTS_MAX = 64  # segments asked for at once


class Message:
    """Base of every message: ``TYPE`` and the fields after it, in wire order."""

    TYPE = 0
    FIELDS: "tuple[str, ...]" = ()  # attribute names, in wire order after the type
    __slots__: "tuple[str, ...]" = ()

    def fields(self) -> "list[CborValue]":
        return [getattr(self, name) for name in self.FIELDS]

    def encode(self) -> bytes:
        """Return the message's payload: the canonical CBOR of ``[TYPE, *fields]``."""
        return dumps([self.TYPE, *self.fields()])

    @classmethod
    def parse(cls, f: "list[CborValue]") -> "Message":
        """Return the message whose fields after the type are ``f``; raise Malformed if not one."""
        raise Malformed("message type " + str(cls.TYPE) + " has no layout")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.encode())

    def __repr__(self) -> str:
        shown = ", ".join(name + "=" + repr(getattr(self, name)) for name in self.FIELDS)
        return type(self).__name__ + "(" + shown + ")"


class Request(Message):
    """A message from the inspector that the terminal answers with the same ``request_id``."""

    __slots__ = ()
    request_id: int


class Reply(Message):
    """A message from the terminal answering the request with ``request_id``."""

    __slots__ = ()
    request_id: int


def request_id(value: "CborValue") -> int:
    """Return a request id read from the wire; raise Malformed if it is out of range."""
    return uint(value, "request id", 1, ID_MAX)
