"""Where the terminal keeps what on its flash: the files of docs/SPEC.md section 1.

The journal is the segments under JOURNAL_DIR, appended to and never
rewritten; everything else under ROOT but the identity is a side file,
replaced whole and atomically (firmware/journal.py).
"""

from __future__ import annotations

ROOT = "/fiscal"
IDENTITY_PATH = "/fiscal/identity.cbor"
CONFIG_PATH = "/fiscal/config.json"  # the configuration last acknowledged in the JET
PRINTED_PATH = "/fiscal/printed"  # the last ticket printed or journaled as not printed
RESTORE_PATH = "/fiscal/restore"  # present only while a restore is being carried out
CHECKPOINT_PATH = "/fiscal/checkpoint"  # the signed state at a point of the journal
JOURNAL_DIR = "/fiscal/journal"
SEGMENT_BYTES = 32 * 1024  # a new segment starts once the current one holds this much


def segment_name(index: int) -> str:
    """Return the path of segment ``index`` (8 decimal digits, from 00000001)."""
    return f"{JOURNAL_DIR}/{index:08d}.log"


def segment_index(path: str) -> int:
    """Return the index of the segment at ``path`` (the inverse of ``segment_name``)."""
    return int(path.rsplit("/", 1)[1].split(".")[0])
