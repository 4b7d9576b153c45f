"""Integrity verification of a fiscal journal: every rule of docs/SPEC.md, every finding.

Theory of operation. The verifier never stops at the first problem: it
reads everything, attaches each problem to the record it concerns, and
reports one finding per record (all its problems together).

1. Read. Each segment is split into frames; each frame's record is decoded
   strictly (canonical CBOR, field types). A frame or record that fails
   becomes an entry without a record, located by segment and offset, with
   whatever header (seq, type, number, signature) can still be read. Ranges
   of segments are read by worker processes, one per core (``parallel``),
   which also check the signatures whose chain predecessor is in their range.
2. Order. The journal ``seq`` of all entries, then each chain's ``number``,
   are checked by ``order.check_continuity``, which names what is missing,
   duplicated or displaced without blaming the records around it.
3. Chains and signatures (``chains``): the data to sign of every record,
   and the GT_TICKET data to sign of every ticket, are rebuilt with the
   chain predecessor taken by number, and checked in one batch (threads),
   but for those the workers checked already against the same predecessor.
4. Records. Format version and terminal id of each record.
5. Replay (``audit``): each record against the records before it: its
   own content, perpetual totals, periods and training mode, returns,
   invoices, duplicates, and each closure against the figures recomputed
   from the records of its period. A record is trusted when it decoded and
   its signature holds; what cannot be trusted is never used to blame
   another record (each problem is reported once, where it is).
6. Archive files (``archive_files``): each trusted ARCHIVE's file on the
   flash exists and has the SHA-256 signed, and its ``records.csv`` lists
   the records archived as the journal holds them. A file that no ARCHIVE
   names is a warning, which does not make the journal less intact.
7. Head statement (``head``), for a copy made over the serial link: signed
   by the terminal over the copy's nonce, and the copy reaches its ``seq``
   with the stated last signature; the monotonic counter agrees.

The journal's tail is not protected by any later record: removing the last
records of a flash image cannot be seen here (a copy's head statement shows
it). The summary gives the last ``seq``, the last closure and the perpetual
totals so that they can be compared with the last printed ticket or Z report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tools.inspect.archive_files import ArchiveStatus, check_archive_files
from tools.inspect.audit import Audit
from tools.inspect.chains import Entry, check_signatures
from tools.inspect.decode import DecodeError, decode_identity
from tools.inspect.findings import Finding, finding, note
from tools.inspect.head import HeadCheck, check_head
from tools.inspect.image import FlashContents, ImageError, Segment
from tools.inspect.model import (
    DOC_GT_YEAR,
    DOC_NAMES,
    FORMAT_VERSION,
    ClosureBody,
    Identity,
    Record,
    doc_name,
)
from tools.inspect.order import check_continuity
from tools.inspect.parallel import SEGMENT_BYTES, read_ranges
from tools.inspect.periods import parse_fiscal_year
from tools.inspect.signatures import load_public_key
from tools.inspect.stream import Doubt, Reordered, Restart, Streamed, check_records, stream
from tools.inspect.summary import Summary

__all__ = ["Finding", "Report", "fiscal_year_start", "verify"]

HEAD_PLACE = "déclaration de tête"


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of a verification: what was read and what is wrong.

    ``archives`` tells what became of each ARCHIVE's file; ``warnings`` are
    worth the inspector's attention without being anomalies. ``head`` is the
    head statement of a copy (None for a flash image, which has none).
    """

    contents: FlashContents
    identity: Identity
    records: tuple[Record, ...]  # every decoded record, or none when not asked for
    frames: int
    findings: tuple[Finding, ...]
    archives: tuple[ArchiveStatus, ...] = ()
    warnings: tuple[str, ...] = ()
    head: HeadCheck | None = None
    summary: Summary = field(default_factory=Summary)

    @property
    def intact(self) -> bool:
        return not self.findings


def verify(
    contents: FlashContents,
    expected_key: bytes | None = None,
    workers: int | None = None,
    keep_records: bool = True,
) -> Report:
    """Check every record of ``contents`` and return the report.

    ``expected_key`` is the terminal's public key known from elsewhere (the
    identity file is on the same flash as the journal); ``workers`` is the
    number of processes reading the journal (and of threads checking the
    signatures left), by default one per core. With ``keep_records`` False
    the report holds no record (the summary says what the report needs):
    the journal is then verified as it is read, in bounded memory, when its
    numbering is in order (``stream``). Raises ImageError when the identity
    cannot be read, since nothing can be verified without it.
    """
    identity = _identity(contents.identity)
    general: list[Finding] = []
    key_bytes = identity.public_key
    if expected_key is not None and expected_key != identity.public_key:
        general.append(note("clé publique de l'identité différente de la clé attendue"))
        key_bytes = expected_key
    try:
        key = load_public_key(key_bytes)
    except ValueError:
        raise ImageError("clé publique Ed25519 invalide") from None
    readable, segment_findings = _segments(contents)
    done = _streamed(contents, readable, identity, (key, key_bytes), workers, keep_records)
    if done is None:
        done = _whole(contents, readable, identity, (key, key_bytes), workers, keep_records)
    if done.head is not None:
        general += [note(problem, place=HEAD_PLACE) for problem in done.head.problems]
    findings = general + segment_findings + done.findings
    findings.sort(key=lambda f: (f.segment or "", -1 if f.offset is None else f.offset))
    return Report(
        contents,
        identity,
        tuple(done.records or ()),
        done.frames,
        tuple(findings),
        tuple(done.archives),
        (*contents.log_notes, *done.warnings),
        done.head,
        done.summary,
    )


def _streamed(
    contents: FlashContents,
    readable: list[Segment],
    identity: Identity,
    keys: tuple[Ed25519PublicKey, bytes],
    workers: int | None,
    keep_records: bool,
) -> Streamed | None:
    """Verify the journal range after range; None when it must be compared as a whole.

    Without records to keep, the workers sum up their clean ranges
    (``condense``), unless a sum was in doubt: then record by record.
    """
    key, key_bytes = keys
    start_month = 1
    summed = not keep_records
    while True:
        try:
            return stream(
                contents,
                readable,
                identity,
                key,
                key_bytes,
                workers,
                start_month,
                keep_records,
                summed,
            )
        except Reordered:
            return None
        except Restart as restart:
            start_month = restart.start_month
        except Doubt:
            summed = False


def _whole(
    contents: FlashContents,
    readable: list[Segment],
    identity: Identity,
    keys: tuple[Ed25519PublicKey, bytes],
    workers: int | None,
    keep_records: bool,
) -> Streamed:
    """Verify the journal with every record in memory (see the module docstring)."""
    key, key_bytes = keys
    entries, known = read_ranges(readable, key_bytes, workers)
    _check_order(entries)
    check_signatures(entries, key, workers, known)
    check_records(entries, identity)
    Audit(fiscal_year_start(entries)).run(entries)
    archives, warnings = check_archive_files(entries, contents.archives)
    head = None
    if contents.head is not None:
        head = check_head(contents.head, identity.terminal_id, key, entries)
    summary = Summary()
    for e in entries:
        if e.record is not None:
            summary.see(e.record)
    findings = [finding(e) for e in entries if e.problems]
    records = [e.record for e in entries if e.record is not None] if keep_records else None
    return Streamed(len(entries), findings, archives, warnings, head, summary, records)


def _identity(data: bytes) -> Identity:
    try:
        identity = decode_identity(data)
    except DecodeError as exc:
        raise ImageError(f"identité du terminal illisible : {exc.problem}") from None
    if identity.version != FORMAT_VERSION:
        raise ImageError(f"identité du terminal : version de format {identity.version} inconnue")
    return identity


def _segments(contents: FlashContents) -> tuple[list[Segment], list[Finding]]:
    """Return the readable segments, and the findings about the segments themselves."""
    findings = [note("fichier inattendu dans le journal", name) for name in contents.other_files]
    findings += [note(problem) for problem in contents.log_problems]
    previous_index = 0
    readable = []
    for position, segment in enumerate(contents.segments):
        index = int(segment.name[:8])
        if index != previous_index + 1:
            missing = f"{previous_index + 1:08d}.log"
            findings.append(
                note(f"segment(s) absent(s) avant celui-ci (dès {missing})", segment.name)
            )
        previous_index = index
        if segment.error:
            findings.append(note(segment.error, segment.name))
            continue
        last = position == len(contents.segments) - 1
        if not last and len(segment.data) < SEGMENT_BYTES:
            findings.append(note(f"segment clos avant {SEGMENT_BYTES} octets", segment.name))
        readable.append(segment)
    return readable, findings


def _check_order(entries: list[Entry]) -> None:
    """Check the journal sequence, then each chain's numbering (see the module docstring).

    An entry whose type is unreadable or unknown takes part in every chain
    as an unknown number, one whose number is unreadable in its own chain.
    """
    seqs = [e.header.seq for e in entries]
    for problem in check_continuity(seqs, "la séquence du journal"):
        entries[problem.index].problems.append(problem.text)
    present = {e.header.doc_type for e in entries}
    doc_types = [t for t in DOC_NAMES if t in present]
    for doc_type in doc_types:
        others = DOC_NAMES.keys() - {doc_type}  # once per chain, not once per entry
        chain = [e for e in entries if e.header.doc_type not in others]
        numbers = [e.header.number if e.header.doc_type == doc_type else None for e in chain]
        for problem in check_continuity(numbers, f"la numérotation {doc_name(doc_type)}"):
            chain[problem.index].problems.append(problem.text)


def fiscal_year_start(entries: list[Entry]) -> int:
    """Return the first month of the fiscal year: that of the first trusted GT_EXERCICE, or 1.

    The journal does not record the terminal's configuration; a fiscal-year
    closure names its year by its first month (``FYAAAA-MM``).
    """
    for e in entries:
        record = e.record
        if e.trusted and record is not None and record.doc_type == DOC_GT_YEAR:
            body = record.body
            parsed = parse_fiscal_year(body.label) if isinstance(body, ClosureBody) else None
            if parsed is not None:
                return parsed[1]
    return 1
