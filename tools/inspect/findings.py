"""A finding: everything wrong with one record, segment or statement, as the report shows it."""

from __future__ import annotations

from dataclasses import dataclass

from tools.inspect.chains import Entry


@dataclass(frozen=True, slots=True)
class Finding:
    """Everything wrong with one record (or a segment, when ``seq`` is None)."""

    seq: int | None
    doc_type: int | None
    number: int | None
    segment: str | None
    offset: int | None
    problems: tuple[str, ...]
    readable: bool = True  # False when the frame or its record could not be decoded
    place: str | None = None  # what the finding is about when not a record or segment

    @property
    def problem(self) -> str:
        return " ; ".join(self.problems)


def note(problem: str, segment: str | None = None, place: str | None = None) -> Finding:
    """Return a finding about a segment, the journal or ``place`` rather than a record."""
    return Finding(None, None, None, segment, None, (problem,), place=place)


def finding(e: Entry) -> Finding:
    """Return the finding of an entry that has problems."""
    h = e.header
    return Finding(
        h.seq, h.doc_type, h.number, e.segment, e.offset, tuple(e.problems), e.record is not None
    )
