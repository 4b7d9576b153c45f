"""Regenerate tests/vectors/*.json from the fiscal core (run only on a deliberate format change).

    .venv/bin/python -m tests.vectors.make_vectors

The vectors are committed; tests/core/test_vectors.py checks that the core
still produces them byte for byte and that an independent Ed25519
implementation accepts them.
"""

import json
from pathlib import Path

from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer, b64url
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.records import Line, Payment

SEED = bytes(range(1, 33))
T0 = 1764064800  # 2025-11-25 10:00:00 UTC
HERE = Path(__file__).parent


def scenario() -> list[tuple[str, Sealed]]:
    """Return the vector records: JET start, two tickets, a JET log-in (two chains)."""
    ledger = Ledger("TEST-0001", Ed25519Signer(SEED))
    steps: list[tuple[str, Sealed]] = []

    def keep(name: str, sealed: Sealed) -> None:
        ledger.accept(sealed)
        steps.append((name, sealed))

    keep(
        "jet_first",
        ledger.seal_jet(
            time_utc=T0, utc_offset=60, operator_id=0, code=codes.JET_START, text="demarrage, test"
        ),
    )
    keep(
        "ticket_first",
        ledger.seal_ticket(
            time_utc=T0 + 60,
            utc_offset=60,
            operator_id=1,
            lines=[
                Line("P2", "Baguette", 2, 120, 550),
                Line("P1", "Cafe grain 250g", 1, 450, 550),
                Line("D3", "Bazar", 1, 695, 2000),
            ],
            payments=[Payment(codes.PAY_CASH, 2000)],
        ),
    )
    keep(
        "ticket_chained",
        ledger.seal_ticket(
            time_utc=T0 + 120,
            utc_offset=60,
            operator_id=1,
            lines=[Line("P10", "Sandwich jambon", 1, 550, 1000)],
            payments=[Payment(codes.PAY_CARD, 550)],
        ),
    )
    keep(
        "jet_chained",
        ledger.seal_jet(
            time_utc=T0 + 180,
            utc_offset=60,
            operator_id=1,
            code=codes.JET_LOGIN,
            text="connexion operateur 1 Camille",
        ),
    )
    return steps


def vector(sealed: Sealed) -> dict[str, object]:
    r = sealed.record
    return {
        "seq": r.seq,
        "doc_type": r.doc_type,
        "number": r.number,
        "data_to_sign": sealed.to_sign,
        "signature_b64url": b64url(r.signature),
        "record_cbor_hex": sealed.encoded.hex(),
    }


def main() -> None:
    public_key = Ed25519Signer(SEED).public_key
    for name, sealed in scenario():
        doc = {"seed_hex": SEED.hex(), "public_key_hex": public_key.hex(), **vector(sealed)}
        (HERE / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
