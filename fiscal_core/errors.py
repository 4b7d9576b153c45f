"""Errors of the fiscal core, each with a stable code the display can show."""


class FiscalError(Exception):
    """A request the fiscal rules forbid; nothing was recorded.

    ``code`` is stable (documented in docs/SPEC.md) and short enough for the
    display; the message says what to do in words.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class IntegrityError(Exception):
    """Stored fiscal data does not match its signatures, chains or numbering.

    ``seq`` is the journal sequence number of the offending record (0 when
    unknown), ``doc_type`` its document type (0 when unknown).
    """

    def __init__(self, seq: int, doc_type: int, message: str) -> None:
        super().__init__(f"record #{seq} (type {doc_type}): {message}")
        self.seq = seq
        self.doc_type = doc_type
        self.message = message


class FormatError(IntegrityError):
    """Bytes that do not decode as a record of the documented format."""
