"""The inspector reads a ticket's operation code by its own table (docs/SPEC.md section 4)."""

from __future__ import annotations

import cbor2

from fiscal_core.cbor import encode
from tests.vectors.make_vectors import scenario
from tools.inspect.decode import decode_record
from tools.inspect.model import TicketBody
from tools.inspect.rules import ticket_problems


def ticket_bytes(operation_code: int | None = None) -> bytes:
    """Return the first ticket of the vectors' scenario, its operation code replaced if asked."""
    raw = next(s.encoded for _, s in scenario() if s.record.doc_type == 1)
    if operation_code is None:
        return raw
    items = cbor2.loads(raw)
    items[8][0] = operation_code
    return encode(items)


def test_codes_1_and_2_are_a_sale_and_a_return_and_any_other_is_named_as_unknown() -> None:
    sale = decode_record(ticket_bytes())
    assert isinstance(sale.body, TicketBody) and sale.body.operation == "VENTE"
    returned = decode_record(ticket_bytes(2))
    assert isinstance(returned.body, TicketBody) and returned.body.operation == "RETOUR"
    other = decode_record(ticket_bytes(7))
    assert isinstance(other.body, TicketBody)
    assert "type d'opération « code 7 » inconnu" in ticket_problems(1, other.body)
