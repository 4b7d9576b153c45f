"""The head statement of a copy against the copy itself (docs/SPEC.md §6.1, §6.2).

A chain of signatures cannot show records removed from its end. When
``fiscal-inspect dump`` copies a terminal, the terminal signs, over the
inspector's fresh nonce, how many records its journal holds (``seq``), the
last one's signature, its monotonic counter and the time: ``head.bin`` is
the canonical CBOR ``[statement, signature]``, ``statement`` the canonical
CBOR of ``["nf525-head", 1, terminal_id, seq, last_signature, counter,
time_utc, utc_offset, nonce]``, ``signature`` Ed25519 over ``statement``.

Checked here, each failure a finding placed on the head statement:

- it decodes, its signature holds under the terminal's key, it is of this
  terminal, and its nonce is the one the copy asked for (``head.nonce``):
  it was signed for this copy, not replayed;
- the copy holds record ``seq`` (or more: records sealed while copying)
  and that record has the stated signature; a copy shorter than the
  statement is "copie raccourcie";
- the monotonic counter equals ``seq`` (0: the board has none; below:
  frozen after an integrity error, JET 90; above: records removed from the
  end, or a journal replaced).

A flash image has no head statement (``contents.head`` is None): nothing
is checked and the summary says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tools.inspect.bodies import FieldError, array, blob, integer, text, uint
from tools.inspect.chains import Entry
from tools.inspect.decode import DecodeError, loads_canonical
from tools.inspect.image import HeadFiles
from tools.inspect.model import SIGNATURE_BYTES, JetBody
from tools.inspect.tosign import b64url

HEAD_MAGIC = "nf525-head"
HEAD_VERSION = 1
NONCE_MIN, NONCE_MAX = 16, 64

JET_INTEGRITY_CLEARED = 91  # a technician released an integrity alarm (docs/SPEC.md §6)

# The monotonic counter against the statement's seq (JSON values; French in the report).
COUNTER_NONE = "none"  # 0: a board without a counter
COUNTER_EQUAL = "equal"
COUNTER_BEHIND = "behind"  # frozen after an integrity error, or replaced
COUNTER_AHEAD = "ahead"  # records removed from the end, or the journal replaced


@dataclass(frozen=True, slots=True)
class Statement:
    """What the terminal stated (docs/SPEC.md §6.2)."""

    terminal_id: str
    seq: int
    last_signature: bytes
    counter: int
    time_utc: int
    utc_offset: int
    nonce: bytes


@dataclass(frozen=True, slots=True)
class HeadCheck:
    """The head statement of a copy and what was found of it.

    ``statement`` is None when there is none or it cannot be decoded;
    ``copied`` is the highest seq of the copy's records.
    """

    present: bool
    statement: Statement | None
    signature_ok: bool
    nonce_ok: bool
    copied: int
    counter: str | None
    problems: tuple[str, ...]


def decode_statement(data: bytes) -> tuple[Statement, bytes, bytes]:
    """Return (statement, its bytes, its signature) from ``head.bin``; raise DecodeError."""
    try:
        outer = array(loads_canonical(data), 2, "la déclaration de tête")
        signed, signature = blob(outer[0], "déclaration"), blob(outer[1], "signature")
        f = array(loads_canonical(signed), 9, "la déclaration")
        if f[0] != HEAD_MAGIC or f[1] != HEAD_VERSION:
            raise DecodeError(f"pas une déclaration « {HEAD_MAGIC} » version {HEAD_VERSION}")
        statement = Statement(
            text(f[2], "terminal"),
            uint(f[3], "seq"),
            blob(f[4], "signature du dernier enregistrement"),
            uint(f[5], "compteur"),
            uint(f[6], "horodatage"),
            integer(f[7], "décalage horaire"),
            blob(f[8], "aléa"),
        )
    except FieldError as exc:
        raise DecodeError(exc.problem) from None
    return statement, signed, signature


def check_head(
    files: HeadFiles, terminal_id: str, key: Ed25519PublicKey, entries: list[Entry]
) -> HeadCheck:
    """Check the head statement of a copy against its nonce, the key and the records read."""
    copied = max((e.header.seq for e in entries if e.header.seq is not None), default=0)
    if files.statement is None:
        problem = "déclaration de tête absente de la copie (head.bin) : fin du journal non prouvée"
        return HeadCheck(False, None, False, False, copied, None, (problem,))
    try:
        statement, signed, signature = decode_statement(files.statement)
    except DecodeError as exc:
        problem = f"déclaration de tête illisible : {exc.problem}"
        return HeadCheck(True, None, False, False, copied, None, (problem,))
    problems: list[str] = []
    signature_ok = _valid(key, signed, signature)
    if not signature_ok:
        problems.append("signature de la déclaration de tête invalide : contenu non prouvé")
    nonce_ok = files.nonce is not None and files.nonce == statement.nonce
    if files.nonce is None:
        problems.append("aléa de la copie absent (head.nonce) : fraîcheur non prouvée")
    elif not nonce_ok:
        problems.append(
            "déclaration signée sur un autre aléa que celui de la copie : "
            "elle n'a pas été faite pour cette copie (rejouée ?)"
        )
    if not NONCE_MIN <= len(statement.nonce) <= NONCE_MAX:
        problems.append(f"aléa de {len(statement.nonce)} octets (de {NONCE_MIN} à {NONCE_MAX})")
    if statement.terminal_id != terminal_id:
        problems.append(
            f"déclaration du terminal « {statement.terminal_id} » au lieu de « {terminal_id} »"
        )
    if signature_ok:
        problems += _against_copy(statement, entries, copied)
    base = _counter_base(entries, statement.seq)
    counter = _counter(statement, base)
    problems += _counter_problems(statement, counter, base) if signature_ok else []
    return HeadCheck(True, statement, signature_ok, nonce_ok, copied, counter, tuple(problems))


def _valid(key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _against_copy(statement: Statement, entries: list[Entry], copied: int) -> list[str]:
    """Return how the copy disagrees with the stated head: shorter, or another last record."""
    seq = statement.seq
    if seq == 0:
        return [] if not statement.last_signature else ["journal vide déclaré avec une signature"]
    if len(statement.last_signature) != SIGNATURE_BYTES:
        return [f"signature déclarée de {len(statement.last_signature)} octets"]
    if copied < seq:
        return [
            f"copie raccourcie : elle s'arrête à l'enregistrement n°{copied}, "
            f"la déclaration de tête en annonce {seq}"
        ]
    found = [e.header.signature for e in entries if e.header.seq == seq]
    if not found:
        return [f"l'enregistrement n°{seq} déclaré est absent de la copie"]
    if statement.last_signature not in found:
        shown = found[0]
        copy = "illisible" if shown is None else f"{b64url(shown)[:12]}…"
        return [
            f"l'enregistrement n°{seq} de la copie n'a pas la signature déclarée "
            f"({copy} au lieu de {b64url(statement.last_signature)[:12]}…)"
        ]
    return []


def _counter_base(entries: list[Entry], seq: int) -> int:
    """Return the counter's offset fixed by the last trusted JET 91 up to ``seq`` (SPEC §6.1).

    A technician's release of an integrity alarm sets the counter's value
    in its amount; from then on the counter runs at ``seq`` plus that offset.
    """
    base = 0
    for entry in entries:
        record, number = entry.record, entry.header.seq
        if record is None or not entry.trusted or number is None or number > seq:
            continue
        body = record.body
        if isinstance(body, JetBody) and body.code == JET_INTEGRITY_CLEARED:
            base = body.amount - number
    return base


def _counter(statement: Statement, base: int = 0) -> str:
    if statement.counter == 0:
        return COUNTER_NONE
    expected = statement.seq + base
    if statement.counter == expected:
        return COUNTER_EQUAL
    return COUNTER_BEHIND if statement.counter < expected else COUNTER_AHEAD


def _counter_problems(statement: Statement, counter: str, base: int = 0) -> list[str]:
    c, seq = statement.counter, statement.seq + base
    if counter == COUNTER_AHEAD:
        return [
            f"compteur monotone {c} au-delà des {seq} enregistrements déclarés : "
            "des enregistrements ont disparu de la fin du journal, ou il a été remplacé"
        ]
    if counter == COUNTER_BEHIND:
        return [
            f"compteur monotone {c} en retard sur les {seq} enregistrements déclarés : "
            "figé après une erreur d'intégrité (voir les JET 90) ou remplacé"
        ]
    return []
