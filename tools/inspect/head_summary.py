"""The head statement in the verification report: JSON object and French summary lines.

``head_summary`` is ``head`` in ``--json`` (None for a flash image);
``head_lines`` its text, e.g.::

    Déclaration de tête : du 25/11/2025 18:40:12 UTC+01:00, signature valide, aléa de la copie
      Enregistrements déclarés : 44 (dernier signé Gz3a0Qk7fR1x…) ; copie : 45, dont 1 après
      Compteur monotone : 44, égal au nombre d'enregistrements déclarés
"""

from __future__ import annotations

from typing import Any

from tools.inspect.formats import local_text
from tools.inspect.head import COUNTER_AHEAD, COUNTER_BEHIND, COUNTER_EQUAL, COUNTER_NONE
from tools.inspect.tosign import b64url
from tools.inspect.verify import Report

COUNTER_TEXT = {
    COUNTER_NONE: "le terminal n'a pas de compteur monotone",
    COUNTER_EQUAL: "égal au nombre d'enregistrements déclarés",
    COUNTER_BEHIND: "EN RETARD sur le nombre d'enregistrements déclarés",
    COUNTER_AHEAD: "AU-DELÀ du nombre d'enregistrements déclarés",
}
NO_HEAD = (
    "Déclaration de tête : aucune (une image de la mémoire n'en contient pas ; "
    "seule une copie par la liaison série, fiscal-inspect dump, en a une)"
)


def head_summary(report: Report) -> dict[str, Any] | None:
    """Return the head statement of a copy and what was found of it; None for an image."""
    head = report.head
    if head is None:
        return None
    s = head.statement
    stated: dict[str, Any] | None = None
    if s is not None:
        stated = {
            "terminal_id": s.terminal_id,
            "seq": s.seq,
            "last_signature": b64url(s.last_signature),
            "counter": s.counter,
            "time_utc": s.time_utc,
            "utc_offset": s.utc_offset,
            "local": local_text(s.time_utc, s.utc_offset),
            "nonce": s.nonce.hex(),
        }
    return {
        "present": head.present,
        "statement": stated,
        "signature_valid": head.signature_ok,
        "nonce_matches": head.nonce_ok,
        "copied": head.copied,
        "after": max(head.copied - s.seq, 0) if s is not None else None,
        "counter_status": head.counter,
        "problems": list(head.problems),
    }


def head_lines(summary: dict[str, Any] | None) -> list[str]:
    """Return the French summary lines of ``head_summary``'s object."""
    if summary is None:
        return [NO_HEAD]
    s = summary["statement"]
    if not summary["present"]:
        return ["Déclaration de tête : absente de la copie (head.bin)"]
    if s is None:
        return ["Déclaration de tête : illisible"]
    signature = "signature valide" if summary["signature_valid"] else "SIGNATURE INVALIDE"
    nonce = "aléa de la copie" if summary["nonce_matches"] else "PAS SUR L'ALÉA DE LA COPIE"
    last = f"dernier signé {s['last_signature'][:12]}…" if s["seq"] else "journal vide"
    copy = f"copie : {summary['copied']}"
    if summary["copied"] >= s["seq"]:
        copy += f", dont {summary['after']} scellé(s) pendant la copie, après la déclaration"
    else:
        copy += " (RACCOURCIE)"
    return [
        f"Déclaration de tête : du {s['local']}, {signature}, {nonce}",
        f"  Enregistrements déclarés : {s['seq']} ({last}) ; {copy}",
        f"  Compteur monotone : {s['counter']}, "
        + COUNTER_TEXT.get(summary["counter_status"], summary["counter_status"]),
    ]
