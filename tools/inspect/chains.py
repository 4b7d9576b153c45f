"""Signature chains (docs/SPEC.md §4, §5): every record's signature, and GT_TICKET's.

Each frame read is an ``Entry``; this module decides whether it can be
trusted (decoded, and its signature holds), which the later checks rely on.

Records are indexed by (doc_type, number). The previous signature in a
record's data to sign is taken from the index (the same chain's
``number - 1``), wherever that record sits in the journal: a swap or a
removal does not make the signatures of untouched records fail. If a
number is duplicated, each holder is tried as the predecessor; the one that
makes the signature valid is the record's ``link``.

The GT_TICKET chain lives inside the tickets: field 8 of TICKET ``n`` signs
``VAT,TOTAL,GT_REAL,TIMESTAMP,NUMBER,FLAG,PREV`` with ``PREV`` the field 8
of TICKET ``n - 1``; it is checked in the same batch, against the same
candidates.

When a predecessor is not trusted, a failure is not blamed on the record:
its signature is "non vérifiable" (the predecessor is reported already).

Signatures already checked by the workers that read the journal
(``parallel``) are passed in ``known`` and not checked again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tools.inspect.decode import Header
from tools.inspect.model import (
    DOC_GT_TICKET,
    DOC_NAMES,
    DOC_TICKET,
    Record,
    TicketBody,
    doc_name,
)
from tools.inspect.signatures import SignatureJob, verify_all
from tools.inspect.tosign import LayoutError, data_to_sign, grand_total_to_sign

RECORD, GT = "signature", "signature GT_TICKET"

# (entry, chain, predecessor) -> signature valid; positions in the entries, -1: none (first)
Known = dict[tuple[int, str, int], bool]


@dataclass(slots=True, eq=False)
class Entry:
    """One frame of the journal as read, and the problems found with it so far.

    ``signature_ok`` is None until checked, and stays None when the
    signature cannot be checked (its chain predecessor is missing). ``link``
    is the chain predecessor the signature was made with. ``row_digest`` is
    the digest of the row an archive file must hold for the record
    (``archive_content.record_digest``), when the worker that read it had
    its chain predecessor and was asked for it (``parallel``).
    """

    segment: str
    offset: int
    record: Record | None
    header: Header
    problems: list[str] = field(default_factory=list)
    signature_ok: bool | None = None
    link: Entry | None = None
    row_digest: bytes | None = None

    @property
    def trusted(self) -> bool:
        """True when the record decoded and its signature holds: the terminal wrote it."""
        return self.record is not None and self.signature_ok is True


def chain_index(entries: list[Entry]) -> dict[tuple[int, int], list[Entry]]:
    """Return the entries of each (doc_type, number), in journal order."""
    index: dict[tuple[int, int], list[Entry]] = {}
    for e in entries:
        if e.header.doc_type is not None and e.header.number is not None:
            index.setdefault((e.header.doc_type, e.header.number), []).append(e)
    return index


class Batch:
    """Each (entry, chain, predecessor) tried, its outcome when known, the jobs to know the rest."""

    def __init__(self, entries: list[Entry], known: Known) -> None:
        self.position = {id(e): n for n, e in enumerate(entries)} if known else {}
        self.known = known
        self.jobs: list[SignatureJob] = []
        self.tried: list[tuple[Entry, str, Entry | None]] = []
        self.outcomes: list[bool | None] = []  # None: the job of that number in ``jobs``

    def checked(self, e: Entry, chain: str, before: Entry | None) -> bool:
        """Add the pair if its outcome is known already; return whether it was."""
        if not self.known:
            return False
        where = -1 if before is None else self.position[id(before)]
        valid = self.known.get((self.position[id(e)], chain, where))
        if valid is None:
            return False
        self.tried.append((e, chain, before))
        self.outcomes.append(valid)
        return True

    def add(self, e: Entry, chain: str, before: Entry | None, message: bytes, sig: bytes) -> None:
        self.jobs.append(SignatureJob(message, sig))
        self.tried.append((e, chain, before))
        self.outcomes.append(None)

    def results(self, key: Ed25519PublicKey, workers: int | None) -> list[bool]:
        checked = iter(verify_all(key, self.jobs, workers))
        return [next(checked) if valid is None else valid for valid in self.outcomes]


def check_signatures(
    entries: list[Entry], key: Ed25519PublicKey, workers: int | None, known: Known | None = None
) -> None:
    """Verify every signature (and GT_TICKET signature) and record the outcome on each entry.

    ``known`` holds outcomes already checked (see the module docstring).
    """
    index = chain_index(entries)
    batch = Batch(entries, known or {})
    add_signatures(entries, batch, lambda e: _candidates(e, index))
    settle(batch, batch.results(key, workers))


def add_signatures(
    entries: list[Entry],
    batch: Batch,
    candidates: Callable[[Entry], list[Entry | None] | None],
) -> None:
    """Add to ``batch`` every signature of ``entries`` against its ``candidates`` predecessors."""
    for e in entries:
        record = e.record
        if record is None:
            continue
        if record.doc_type not in DOC_NAMES or record.doc_type == DOC_GT_TICKET:
            e.problems.append(_no_chain(record.doc_type))
            continue
        before_list = candidates(e)
        if before_list is None:
            continue
        for before in before_list:
            if batch.checked(e, RECORD, before):
                continue
            previous = before.header.signature if before is not None else None
            try:
                message = data_to_sign(record, previous)
            except LayoutError as exc:
                e.problems.append(f"signature non vérifiable : {exc}")
                break
            batch.add(e, RECORD, before, message, record.signature)
        if record.doc_type == DOC_TICKET and isinstance(record.body, TicketBody):
            _add_grand_total(batch, e, record.body, before_list)


def _no_chain(doc_type: int) -> str:
    if doc_type == DOC_GT_TICKET:
        return "GT_TICKET n'a pas d'enregistrement propre : signature non vérifiable"
    return f"type de document {doc_type} inconnu : signature non vérifiable"


def _candidates(e: Entry, index: dict[tuple[int, int], list[Entry]]) -> list[Entry | None] | None:
    """Return the possible chain predecessors ([None] on a first record), None if there is none."""
    record = e.record
    assert record is not None
    if record.number <= 1:
        return [None]
    return usable(e, index.get((record.doc_type, record.number - 1), []))


def usable(e: Entry, before: list[Entry]) -> list[Entry | None] | None:
    """Return the entries of ``before`` whose signature can be read, or None and say why not."""
    record = e.record
    assert record is not None
    candidates: list[Entry | None] = [c for c in before if c.header.signature is not None]
    if not candidates:
        state = "illisible" if before else "absent"
        e.problems.append(
            f"signature non vérifiable : {doc_name(record.doc_type)} n°{record.number - 1} {state}"
        )
        return None
    return candidates


def _add_grand_total(
    batch: Batch, e: Entry, body: TicketBody, candidates: list[Entry | None]
) -> None:
    record = e.record
    assert record is not None
    usable = False
    for before in candidates:
        previous: bytes | None = None
        if before is not None:
            previous = before.header.gt_signature
            if previous is None:
                continue
        if batch.checked(e, GT, before):
            usable = True
            continue
        try:
            message = grand_total_to_sign(record, previous)
        except LayoutError:
            return  # already reported for the record's own signature
        batch.add(e, GT, before, message, body.gt_signature)
        usable = True
    if not usable:
        e.problems.append(f"{GT} non vérifiable : TICKET n°{record.number - 1} illisible")


def settle(batch: Batch, results: list[bool]) -> None:
    """Set each entry's outcome: valid with some predecessor, invalid, or not verifiable."""
    valid: set[tuple[int, str]] = set()
    for (e, chain, before), ok in zip(batch.tried, results, strict=True):
        if ok and (id(e), chain) not in valid:
            valid.add((id(e), chain))
            if chain == RECORD:
                e.signature_ok, e.link = True, before
    failed: dict[tuple[int, str], tuple[Entry, str, list[Entry | None]]] = {}
    for e, chain, before in batch.tried:
        if (id(e), chain) not in valid:
            failed.setdefault((id(e), chain), (e, chain, []))[2].append(before)
            if chain == RECORD:
                e.signature_ok = False
    for e, chain, tried in failed.values():
        record = e.record
        assert record is not None
        if all(c is None or c.trusted for c in tried):
            e.problems.append(f"{chain} invalide")
        else:
            e.problems.append(
                f"{chain} non vérifiable : {doc_name(record.doc_type)} "
                f"n°{record.number - 1} altéré ou illisible"
            )
