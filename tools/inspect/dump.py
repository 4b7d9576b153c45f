"""``fiscal-inspect dump``: copy a terminal's fiscal memory over its serial link.

(The command line, and ``devs``, are ``tools/inspect/dump_cli.py``.)

The copy is a directory laid out like ``/fiscal`` on the terminal's flash
(docs/LINK.md §6): ``identity.cbor`` byte for byte, and the journal's
segments in its own frame format and segment rule (docs/SPEC.md §3,
``dump_journal``), byte-identical to the flash's, end to end in
``journal/segments.bin`` with their lengths in ``journal/segments.idx``; then
``head.bin`` (the head statement), ``head.nonce`` (the nonce it signs),
``archives/`` and ``dump.json`` (what was copied, when, from where).

Every file and directory of the copy is synced before the copy is said
done (``dump_sync``); a copy whose sync failed is marked, and never resumed.

What arrives is checked on the way: the identity file must name the
terminal and key the terminal announces, and each record must carry the
seq its place gives it (the full check is ``fiscal-inspect verify``'s).

An interrupted copy is resumed with ``--from N``: the directory must hold
records 1..N-1 (a torn last frame is cut off), the terminal must be the
same and its record N-1 identical to the copy's; the result is the same as
an uninterrupted copy. Without ``--from``, a directory whose journal files
are not empty is refused, even with no whole record in them: appending
after a torn first frame would shift every segment.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from firmware.link.errors import RemoteProtocolError
from firmware.link.messages import PROTOCOL_NAME, Identification, RecordBatch
from tools.inspect.decode import DecodeError, decode_identity
from tools.inspect.dump_journal import (
    DumpError,
    Stored,
    append_frames,
    frame,
    read_stored,
    record_seq,
)
from tools.inspect.dump_segments import pull_segments
from tools.inspect.dump_sync import JournalFiles, sync_dir, write_file
from tools.inspect.dumpdir import SYNC_FAILED_FILE, load_journal, sync_failed
from tools.inspect.image import FlashContents
from tools.inspect.link_client import LinkClient
from tools.inspect.progress import Progress

RECORDS_PER_REQUEST = 4096  # the terminal caps each answer by size anyway
ARCHIVE_CHUNK = 32 * 1024
PORT_ENV, BAUD_ENV = "FISCAL_INSPECT_PORT", "FISCAL_INSPECT_BAUD"
EXIT_DONE, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


@dataclass
class Outcome:
    """What a dump did: records copied, range, anomalies noticed on the way."""

    first: int
    last: int
    statement: bytes
    archives: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def load_dump(out: Path) -> FlashContents:
    """Return the journal of a copy (identity and segments) as the verifier reads an image.

    ``fiscal-inspect verify DIR`` reads the whole copy, archives and head
    statement included (``dumpdir.load_copy``).
    """
    return load_journal(out)


def dump(
    client: LinkClient, out: Path, from_seq: int | None, nonce: bytes, stream: TextIO
) -> Outcome:
    """Copy the terminal behind ``client`` into ``out``; raise DumpError or LinkError.

    Every file of the copy, and every directory's names, are on disk when
    it returns (``dump_sync``): a sync that fails raises SyncFailed.
    """
    if sync_failed(out):
        raise DumpError(
            f"{out} : une écriture sur disque a échoué pendant la copie ({SYNC_FAILED_FILE}) : "
            "cette copie ne se reprend pas ; refaire la copie dans un autre répertoire"
        )
    client.connect()
    info = client.identify()
    out.mkdir(parents=True, exist_ok=True)
    (out / "journal").mkdir(exist_ok=True)
    identity_file = out / "identity.cbor"
    if identity_file.exists() and identity_file.read_bytes() != info.identity:
        raise DumpError(f"{out} contient la copie d'un autre terminal")
    stored = read_stored(out, repair=from_seq is not None)
    start = stored.count + 1
    if from_seq is None and stored.found:  # even a torn first frame: never appended to blindly
        held = f"les enregistrements 1 à {stored.count}" if stored.count else "un début de copie"
        raise DumpError(
            f"{out} contient déjà {held} : "
            f"reprendre avec --from {start}, ou choisir un autre répertoire"
        )
    if from_seq is not None and from_seq != start:
        raise DumpError(
            f"{out} contient les enregistrements 1 à {stored.count} : "
            f"la copie ne peut reprendre qu'avec --from {start}"
        )
    if stored.count:
        previous = client.read_records(stored.count, 1).records
        if previous[:1] != [stored.last]:
            raise DumpError(f"l'enregistrement n°{stored.count} du terminal diffère de la copie")
    write_file(out, identity_file, info.identity)
    outcome = Outcome(start, stored.count, b"")
    outcome.findings += _identity_findings(info)
    progress = Progress(info.last_seq, stream)
    with JournalFiles(out) as files:
        _pull(client, files, stored, outcome, progress)
        try:
            outcome.statement = client.head_statement(nonce)
        except RemoteProtocolError as exc:  # the terminal cannot state its head: a finding
            outcome.findings.append(f"déclaration de tête indisponible ({exc.message})")
        _pull(client, files, stored, outcome, progress)  # sealed meanwhile: covered by the head
        progress.finish()
        files.finish()
    if outcome.statement:
        write_file(out, out / "head.bin", outcome.statement)
        write_file(out, out / "head.nonce", nonce)
    outcome.archives = _archives(client, out)
    _manifest(out, info, outcome, client)
    sync_dir(out, out)  # the names of identity.cbor, head.*, archives/ and dump.json
    sync_dir(out, out.parent)  # and the copy's own name: its directory may be new
    return outcome


def _identity_findings(info: Identification) -> list[str]:
    """Return how what the terminal says of itself disagrees with its identity file."""
    try:
        identity = decode_identity(info.identity)
    except DecodeError as exc:
        return [f"fichier d'identité illisible : {exc.problem}"]
    if (identity.terminal_id, identity.public_key) != (info.terminal_id, info.public_key):
        return ["identifiant ou clé publique annoncés différents du fichier d'identité"]
    return []


def _pull(
    client: LinkClient, files: JournalFiles, stored: Stored, outcome: Outcome, progress: Progress
) -> None:
    """Copy records from ``outcome.last + 1`` on, until the terminal says none follow.

    In version 3, the journal's segments as stored (``dump_segments``).
    Before, record by record: the first READ_RECORDS goes alone: its answer tells how many records
    one reply carries (the terminal caps each reply by size). Then up to
    ``client.window`` requests of that many are kept in flight, so the
    terminal prepares the next batches while this side checks and writes
    the last one. A reply cut shorter than asked leaves a gap, asked for at
    once; batches are written in seq order. Nothing is asked beyond a reply
    that says no record follows, and the answers still in flight when the
    copy is complete are read and dropped (the next pull asks again).
    """
    if client.protocol.version >= 3:
        pull_segments(client, files, stored, outcome.findings, progress)
        outcome.last = stored.count
        return
    seq = outcome.last + 1  # the next record to write
    first = client.read_records(seq, RECORDS_PER_REQUEST)
    per_request = max(1, len(first.records))
    got = {seq: first}  # batches received and not written yet, by from_seq
    asked: deque[tuple[int, int]] = deque()  # (from_seq, count) sent, in the order sent
    ask_from = seq + len(first.records)
    end = None if first.more else ask_from  # no record is asked for from ``end`` on
    while True:
        while len(asked) < client.window and (end is None or ask_from < end):
            client.ask_records(ask_from, per_request)
            asked.append((ask_from, per_request))
            ask_from += per_request
        while seq in got:
            batch = got.pop(seq)
            _store(files, stored, outcome, batch)
            seq += len(batch.records)
            progress.update(outcome.last, client.bytes_in)
            if not batch.more:
                for _ in asked:
                    client.records()  # answers in flight: read, so that none is left on the line
                return
        if not asked:
            raise DumpError(f"réponses du terminal incomplètes après l'enregistrement n°{seq - 1}")
        from_seq, count = asked.popleft()
        batch = client.records()
        got[from_seq] = batch
        received = len(batch.records)
        if not batch.more:
            end = from_seq + received if end is None else min(end, from_seq + received)
        elif received < count:  # cut by size: ask for the rest at once
            client.ask_records(from_seq + received, count - received)
            asked.append((from_seq + received, count - received))


def _store(files: JournalFiles, stored: Stored, outcome: Outcome, batch: RecordBatch) -> None:
    """Check the seq of each record of ``batch`` (the next ones) and append them to the copy."""
    first = outcome.last + 1
    frames = [frame(record) for record in batch.records]
    seqs = [record_seq(record) for record in batch.records]
    if seqs != list(range(first, first + len(seqs))):
        for seq, found in enumerate(seqs, first):
            if found != seq:
                outcome.findings.append(f"enregistrement n°{seq} : séquence lue {found}")
    append_frames(files, stored, frames)
    outcome.last += len(frames)


def _archives(client: LinkClient, out: Path) -> list[str]:
    names = []
    for name, size in client.list_archives():
        (out / "archives").mkdir(exist_ok=True)
        data = bytearray()
        while len(data) < size:
            chunk = client.read_archive(name, len(data), min(ARCHIVE_CHUNK, size - len(data)))
            if not chunk:
                raise DumpError(f"archive {name} : {size} octets annoncés, {len(data)} reçus")
            data += chunk
        write_file(out, out / "archives" / name, bytes(data))
        names.append(name)
    if names:
        sync_dir(out, out / "archives")
    return names


def _manifest(out: Path, info: Identification, outcome: Outcome, client: LinkClient) -> None:
    path = out / "dump.json"
    sessions = json.loads(path.read_text())["sessions"] if path.exists() else []
    sessions.append(
        {
            "from_seq": outcome.first,
            "to_seq": outcome.last,
            "port": str(getattr(client.port, "port", "")),
            "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    )
    manifest = {
        "protocol": PROTOCOL_NAME,
        "protocol_version": client.protocol.version,
        "terminal_id": info.terminal_id,
        "software_version": info.software_version,
        "public_key": info.public_key.hex(),
        "counts": {str(t): n for t, n in info.counts},
        "records": outcome.last,
        "head": {"statement": "head.bin", "nonce": "head.nonce"},
        "archives": outcome.archives,
        "sessions": sessions,
    }
    write_file(out, path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
