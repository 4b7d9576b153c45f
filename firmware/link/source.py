"""What the link serves from: the ``Source`` port, the terminal's read-only view of its memory.

The link knows nothing of the journal's implementation: the runner hands
the service a Source built over its journal. Every method is a read; none
may change fiscal data (the head statement may be journaled by the runner,
as any inspection is, 5.4.2.4, but that is the runner's business).
"""

from __future__ import annotations

from typing import Protocol

from firmware.link.messages import Identification, StoredSegments


class Source(Protocol):
    """The terminal's memory as the inspection link sees it."""

    def identify(self) -> Identification:
        """Return the terminal id, software version, public key, counts, last seq, identity."""
        ...

    def records(self, from_seq: int, max_count: int) -> list[bytes]:
        """Return the stored records from ``from_seq`` on, at most ``max_count``, in seq order.

        Each is the record's bytes exactly as stored (the journal frame's
        payload). Past the last record: an empty list. ``from_seq`` >= 1.
        """
        ...

    def segments(self, first: int, offset: int, count: int, max_bytes: int) -> StoredSegments:
        """Return journal segment ``first`` from byte ``offset``, then the next ones whole.

        Byte for byte as stored, at most ``count`` segments, and no segment
        after the one that brings the bytes to ``max_bytes`` or more; none
        when ``first`` is past the last segment. ``last`` is the journal's
        last segment as read. Raises when ``offset`` is past the segment's end.
        """
        ...

    def head_statement(self, nonce: bytes) -> bytes:
        """Return the terminal's signed statement of its journal head over ``nonce`` (opaque)."""
        ...

    def archives(self) -> list[tuple[str, int]]:
        """Return ``(name, size in bytes)`` of every archive file."""
        ...

    def read_archive(self, name: str, offset: int, size: int) -> bytes:
        """Return up to ``size`` bytes of archive ``name`` from ``offset`` (fewer at its end)."""
        ...
