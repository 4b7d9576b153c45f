"""Integrity verification of a fiscal journal: every rule of docs/SPEC.md, every finding.

Theory of operation. The verifier never stops at the first problem: it
reads everything, attaches each problem to the record it concerns, and
reports one finding per record (all its problems together).

1. Read. Each segment is split into frames; each frame's record is decoded
   strictly (canonical CBOR, field types). A frame or record that fails
   becomes an entry without a record, located by segment and offset, with
   whatever header (seq, type, number, signature) can still be read.
2. Order. The journal ``seq`` of all entries, then each chain's ``number``,
   are checked by ``order.check_continuity``, which names what is missing,
   duplicated or displaced without blaming the records around it.
3. Chains. Records are indexed by (doc_type, number). The previous
   signature in a record's data to sign is taken from the index (the same
   chain's ``number - 1``), wherever that record sits in the journal: a swap
   or a removal does not make the signatures of untouched records fail. If
   a number is duplicated, each holder is tried as the predecessor.
4. Signatures. The data to sign of every record is rebuilt and all
   signatures are checked in one batch (``signatures.verify_all``, threads).
5. Trust. A record is trusted when it decoded and its signature holds. When
   a record's chain predecessor is not trusted, what depends on it is not
   blamed on the record: a signature that fails is "non vérifiable", and the
   perpetual totals are not compared (the predecessor is reported already).
6. Records. Format version, terminal id, payments, change and perpetual
   totals (real and absolute) against the predecessor's.

The journal's tail is not protected by any later record: removing the last
records cannot be seen here. The summary gives the last ``seq`` and the
perpetual totals so that they can be compared with the last printed ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tools.inspect.decode import DecodeError, Header, decode_identity, decode_record, read_header
from tools.inspect.frames import BadFrame, Frame, split_frames
from tools.inspect.image import FlashContents, ImageError
from tools.inspect.model import (
    DOC_NAMES,
    DOC_TICKET,
    FORMAT_VERSION,
    Identity,
    Record,
    TicketBody,
    doc_name,
)
from tools.inspect.order import check_continuity
from tools.inspect.rules import ticket_problems
from tools.inspect.signatures import SignatureJob, load_public_key, verify_all
from tools.inspect.tosign import LayoutError, data_to_sign

SEGMENT_BYTES = 32 * 1024  # a new segment starts once the current one holds this much


@dataclass(slots=True)
class Entry:
    """One frame of the journal as read, and the problems found with it so far."""

    segment: str
    offset: int
    record: Record | None
    header: Header
    problems: list[str] = field(default_factory=list)
    signature_ok: bool | None = None
    link: Entry | None = None  # the chain predecessor that the signature was made with

    @property
    def trusted(self) -> bool:
        return self.record is not None and self.signature_ok is True


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

    @property
    def problem(self) -> str:
        return " ; ".join(self.problems)


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of a verification: what was read and what is wrong."""

    contents: FlashContents
    identity: Identity
    records: tuple[Record, ...]
    frames: int
    findings: tuple[Finding, ...]

    @property
    def intact(self) -> bool:
        return not self.findings


def verify(
    contents: FlashContents, expected_key: bytes | None = None, workers: int | None = None
) -> Report:
    """Check every record of ``contents`` and return the report.

    ``expected_key`` is the terminal's public key known from elsewhere (the
    identity file is on the same flash as the journal); ``workers`` is the
    number of threads verifying signatures. Raises ImageError when the
    identity cannot be read, since nothing can be verified without it.
    """
    identity = _identity(contents.identity)
    general: list[Finding] = []
    key_bytes = identity.public_key
    if expected_key is not None and expected_key != identity.public_key:
        general.append(_note("clé publique de l'identité différente de la clé attendue"))
        key_bytes = expected_key
    try:
        key = load_public_key(key_bytes)
    except ValueError:
        raise ImageError("clé publique Ed25519 invalide") from None
    entries, segment_findings = _read(contents)
    _check_order(entries)
    _check_signatures(entries, key, workers)
    _check_records(entries, identity)
    findings = general + segment_findings
    findings += [_finding(e) for e in entries if e.problems]
    findings.sort(key=lambda f: (f.segment or "", -1 if f.offset is None else f.offset))
    records = tuple(e.record for e in entries if e.record is not None)
    return Report(contents, identity, records, len(entries), tuple(findings))


def _identity(data: bytes) -> Identity:
    try:
        identity = decode_identity(data)
    except DecodeError as exc:
        raise ImageError(f"identité du terminal illisible : {exc.problem}") from None
    if identity.version != FORMAT_VERSION:
        raise ImageError(f"identité du terminal : version de format {identity.version} inconnue")
    return identity


def _read(contents: FlashContents) -> tuple[list[Entry], list[Finding]]:
    entries: list[Entry] = []
    findings = [_note("fichier inattendu dans le journal", name) for name in contents.other_files]
    previous_index = 0
    for position, segment in enumerate(contents.segments):
        index = int(segment.name[:8])
        if index != previous_index + 1:
            missing = f"{previous_index + 1:08d}.log"
            findings.append(
                _note(f"segment(s) absent(s) avant celui-ci (dès {missing})", segment.name)
            )
        previous_index = index
        if segment.error:
            findings.append(_note(segment.error, segment.name))
            continue
        last = position == len(contents.segments) - 1
        if not last and len(segment.data) < SEGMENT_BYTES:
            findings.append(_note(f"segment clos avant {SEGMENT_BYTES} octets", segment.name))
        for item in split_frames(segment.name, segment.data):
            entry = _entry(item)
            if item.offset >= SEGMENT_BYTES:
                entry.problems.append(f"trame au-delà de {SEGMENT_BYTES} octets du segment")
            entries.append(entry)
    return entries, findings


def _entry(item: Frame | BadFrame) -> Entry:
    if isinstance(item, BadFrame):
        return Entry(item.segment, item.offset, None, read_header(item.record), [item.problem])
    try:
        record = decode_record(item.record)
    except DecodeError as exc:
        header = exc.header or Header(None, None, None, None)
        return Entry(item.segment, item.offset, None, header, [f"illisible : {exc.problem}"])
    header = Header(record.seq, record.doc_type, record.number, record.signature)
    return Entry(item.segment, item.offset, record, header)


def _check_order(entries: list[Entry]) -> None:
    """Check the journal sequence, then each chain's numbering (see the module docstring).

    An entry whose type is unreadable or unknown takes part in every chain
    as an unknown number, one whose number is unreadable in its own chain.
    """
    seqs = [e.header.seq for e in entries]
    for problem in check_continuity(seqs, "la séquence du journal"):
        entries[problem.index].problems.append(problem.text)
    doc_types = [t for t in DOC_NAMES if any(e.header.doc_type == t for e in entries)]
    for doc_type in doc_types:
        chain = [e for e in entries if e.header.doc_type not in DOC_NAMES.keys() - {doc_type}]
        numbers = [e.header.number if e.header.doc_type == doc_type else None for e in chain]
        for problem in check_continuity(numbers, f"la numérotation {doc_name(doc_type)}"):
            chain[problem.index].problems.append(problem.text)


def _chain_index(entries: list[Entry]) -> dict[tuple[int, int], list[Entry]]:
    """Return the entries of each (doc_type, number), in journal order."""
    index: dict[tuple[int, int], list[Entry]] = {}
    for e in entries:
        if e.header.doc_type is not None and e.header.number is not None:
            index.setdefault((e.header.doc_type, e.header.number), []).append(e)
    return index


def _check_signatures(entries: list[Entry], key: Ed25519PublicKey, workers: int | None) -> None:
    """Verify every signature; see the module docstring, points 3 to 5.

    A record is checked against each entry holding its chain predecessor
    (usually one; more when a number is duplicated): the one that makes its
    signature valid is its ``link``.
    """
    index = _chain_index(entries)
    jobs: list[SignatureJob] = []
    pairs: list[tuple[Entry, Entry | None]] = []
    for e in entries:
        record = e.record
        if record is None:
            continue
        name = doc_name(record.doc_type)
        if record.doc_type not in DOC_NAMES:
            e.problems.append(
                f"type de document {record.doc_type} inconnu : signature non vérifiable"
            )
            continue
        before = index.get((record.doc_type, record.number - 1), []) if record.number > 1 else []
        candidates: list[Entry | None] = [c for c in before if c.header.signature is not None]
        if record.number <= 1:
            candidates = [None]
        elif not candidates:
            state = "illisible" if before else "absent"
            e.problems.append(f"signature non vérifiable : {name} n°{record.number - 1} {state}")
            continue
        try:
            messages = [data_to_sign(record, c.header.signature if c else None) for c in candidates]
        except LayoutError as exc:
            e.problems.append(f"signature non vérifiable : {exc}")
            continue
        jobs.extend(SignatureJob(message, record.signature) for message in messages)
        pairs.extend((e, c) for c in candidates)
    tried: dict[int, list[Entry | None]] = {}
    for (e, candidate), valid in zip(pairs, verify_all(key, jobs, workers), strict=True):
        tried.setdefault(id(e), []).append(candidate)
        if valid and not e.signature_ok:
            e.signature_ok, e.link = True, candidate
        elif not valid and e.signature_ok is None:
            e.signature_ok = False
    for e, _ in pairs:
        record = e.record
        if record is None or e.signature_ok or id(e) not in tried:
            continue
        candidates = tried.pop(id(e))
        if all(c is None or c.trusted for c in candidates):
            e.problems.append("signature invalide")
        else:
            e.problems.append(
                f"signature non vérifiable : {doc_name(record.doc_type)} "
                f"n°{record.number - 1} altéré ou illisible"
            )


def _check_records(entries: list[Entry], identity: Identity) -> None:
    for e in entries:
        record = e.record
        if record is None:
            continue
        if record.version != FORMAT_VERSION:
            e.problems.append(f"version de format {record.version} inconnue")
        if record.terminal_id != identity.terminal_id:
            e.problems.append(
                f"terminal « {record.terminal_id} » au lieu de « {identity.terminal_id} »"
            )
        if isinstance(record.body, TicketBody) and record.doc_type == DOC_TICKET:
            e.problems.extend(ticket_problems(record.body, _previous_totals(e, record)))


def _previous_totals(e: Entry, record: Record) -> tuple[int, int] | None:
    """Return the perpetual totals before ``record``, None when they cannot be trusted."""
    if record.number == 1:
        return 0, 0
    link = e.link
    if link is None or not link.trusted or link.record is None:
        return None
    body = link.record.body
    return (body.gt_real, body.gt_absolute) if isinstance(body, TicketBody) else None


def _note(problem: str, segment: str | None = None) -> Finding:
    return Finding(None, None, None, segment, None, (problem,))


def _finding(e: Entry) -> Finding:
    h = e.header
    return Finding(
        h.seq, h.doc_type, h.number, e.segment, e.offset, tuple(e.problems), e.record is not None
    )
