"""Regenerate tests/vectors/*.json from the fiscal core (run only on a deliberate format change).

    .venv/bin/python -m tests.vectors.make_vectors

One scenario on a fixed key touches every document type and both the first
and a chained record of the busiest chains. The vectors are committed;
tests/core/test_vectors.py checks that the core still produces them byte
for byte and that an independent Ed25519 implementation accepts them.
"""

import hashlib
import json
from pathlib import Path

from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer, b64url
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.links import DocumentLinks
from fiscal_core.records import Line, Payment, TicketBody
from fiscal_core.tosign import grand_total_ticket_to_sign

SEED = bytes(range(1, 33))
T0 = 1767171600  # 2025-12-31 09:00:00 UTC: the last day of a month and of a fiscal year
HERE = Path(__file__).parent


def sale_lines() -> list[Line]:
    return [
        Line("P2", "Baguette", 2, 120, 550),
        Line("P1", "Cafe grain 250g", 1, 450, 550),
        Line("D3", "Bazar", 1, 695, 2000),
    ]


def scenario() -> list[tuple[str, Sealed]]:
    """Return the named vector records, in journal order."""
    ledger = Ledger("TEST-0001", Ed25519Signer(SEED))
    steps: list[tuple[str, Sealed]] = []
    at = {"t": T0}

    def keep(name: str, sealed: Sealed) -> Sealed:
        ledger.accept(sealed)
        steps.append((name, sealed))
        at["t"] += 60
        return sealed

    def when() -> dict[str, int]:
        return {"time_utc": at["t"], "utc_offset": 60}

    keep(
        "jet_first",
        ledger.seal_jet(**when(), operator_id=0, code=codes.JET_START, text="demarrage, test"),
    )
    keep("jet_float", ledger.open_period(**when(), operator_id=1, cash_float=15000))
    first = keep(
        "ticket_first",
        ledger.seal_ticket(
            **when(), operator_id=1, lines=sale_lines(), payments=[Payment(codes.PAY_CASH, 2000)]
        ),
    )
    second = keep(
        "ticket_chained",
        ledger.seal_ticket(
            **when(),
            operator_id=1,
            lines=[Line("P10", "Sandwich jambon", 1, 550, 1000)],
            payments=[Payment(codes.PAY_CARD, 550)],
        ),
    )
    returned = keep(
        "ticket_return",
        ledger.seal_return(
            **when(),
            operator_id=1,
            original=first.record,
            links=DocumentLinks.after(first.record, []),
            lines=[Line("P2", "Baguette", -1, 120, 550)],
            refunds=[Payment(codes.PAY_CASH, -120)],
            reason="R1 produit defectueux",
        ),
    )
    links = DocumentLinks.after(first.record, [returned.record])
    duplicate = keep(
        "duplicate_first",
        ledger.seal_duplicate(**when(), operator_id=1, original=first.record, links=links),
    )
    keep(
        "invoice_first",
        ledger.seal_invoice(
            **when(),
            operator_id=1,
            ticket=second.record,
            links=DocumentLinks.after(second.record, [returned.record, duplicate.record]),
            customer="SARL Dupont, traiteur",
            postcode="75002",
            vat_number="FR40303265045",
        ),
    )
    keep(
        "jet_training_on",
        ledger.seal_jet(**when(), operator_id=1, code=codes.JET_TRAINING_ON, text="formation"),
    )
    keep(
        "training_first",
        ledger.seal_ticket(
            **when(),
            operator_id=1,
            lines=[Line("P21", "Briquet", 1, 250, 2000)],
            payments=[Payment(codes.PAY_CASH, 250)],
        ),
    )
    keep(
        "jet_training_off",
        ledger.seal_jet(**when(), operator_id=1, code=codes.JET_TRAINING_OFF, text="fin"),
    )
    for name, doc_type in (
        ("closure_day_first", codes.DOC_GT_PERIOD),
        ("closure_month_first", codes.DOC_GT_MONTH),
        ("closure_year_first", codes.DOC_GT_YEAR),
    ):
        closure = keep(name, ledger.seal_closure(doc_type=doc_type, **when(), operator_id=1))
    keep(
        "archive_first",
        ledger.seal_archive(
            **when(),
            operator_id=1,
            closure=closure.record,
            file_name="FY2025-01.zip",
            file_digest=hashlib.sha256(b"archive file of the fiscal year").digest(),
        ),
    )
    keep(
        "jet_chained",
        ledger.seal_jet(
            **when(), operator_id=1, code=codes.JET_LOGIN, text="connexion operateur 1 Camille"
        ),
    )
    at["t"] = T0 + 86400  # 2026-01-01: a new fiscal year, its first period
    keep("jet_float_next", ledger.open_period(**when(), operator_id=1, cash_float=15000))
    keep(
        "note_first",
        ledger.seal_note(
            **when(),
            operator_id=1,
            lines=[Line("P10", "Sandwich jambon", 2, 550, 1000), Line("P11", "Cafe", 2, 180, 1000)],
            persons=3,
        ),
    )
    return steps


def vector(sealed: Sealed, previous_gt_signature: bytes = b"") -> dict[str, object]:
    r = sealed.record
    doc: dict[str, object] = {
        "seq": r.seq,
        "doc_type": r.doc_type,
        "number": r.number,
        "data_to_sign": sealed.to_sign,
        "signature_b64url": b64url(r.signature),
        "record_cbor_hex": sealed.encoded.hex(),
    }
    if r.doc_type == codes.DOC_TICKET and isinstance(r.body, TicketBody):
        doc["gt_data_to_sign"] = grand_total_ticket_to_sign(r, previous_gt_signature)
        doc["gt_signature_b64url"] = b64url(r.body.gt_signature)
    return doc


def vectors() -> dict[str, dict[str, object]]:
    """Return every vector by name, with the grand-total chain threaded through tickets."""
    out: dict[str, dict[str, object]] = {}
    previous_gt = b""
    for name, sealed in scenario():
        out[name] = vector(sealed, previous_gt)
        body = sealed.record.body
        if sealed.record.doc_type == codes.DOC_TICKET and isinstance(body, TicketBody):
            previous_gt = body.gt_signature
    return out


def main() -> None:
    public_key = Ed25519Signer(SEED).public_key
    for name, doc in vectors().items():
        full = {"seed_hex": SEED.hex(), "public_key_hex": public_key.hex(), **doc}
        (HERE / f"{name}.json").write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
