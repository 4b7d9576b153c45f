"""A document's links (reprints, invoice, returns) folded from the records after it, and checked.

The state keeps none of them (fiscal_core/links.py); the verifier checks a
reprint number and a single invoice against the links it meets in its run.
"""

import cbor2
import pytest

from fiscal_core import codes
from fiscal_core.errors import IntegrityError
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.links import DocumentLinks
from fiscal_core.records import Line, Payment, Record, TicketBody
from fiscal_core.state_codec import state_from_array, state_to_array
from fiscal_core.verifier import Verifier
from tests.vectors.make_vectors import scenario

from .conftest import T0, keep, sale

AT = {"time_utc": T0, "utc_offset": 60, "operator_id": 1}


def duplicate(ledger: Ledger, original: Record, links: DocumentLinks) -> Sealed:
    return ledger.seal_duplicate(**AT, original=original, links=links)


def invoice(ledger: Ledger, ticket: Record, links: DocumentLinks) -> Sealed:
    return ledger.seal_invoice(**AT, ticket=ticket, links=links, customer="X", postcode="75001")


def test_links_count_only_the_documents_naming_the_original(ledger: Ledger) -> None:
    first = keep(ledger, sale(ledger)).record
    second = keep(ledger, sale(ledger)).record
    made = [
        keep(ledger, duplicate(ledger, first, DocumentLinks.after(first, []))).record,
        keep(ledger, duplicate(ledger, second, DocumentLinks.after(second, []))).record,
        keep(ledger, invoice(ledger, second, DocumentLinks.after(second, []))).record,
        keep(
            ledger,
            ledger.seal_return(
                **AT,
                original=first,
                links=DocumentLinks.after(first, []),
                lines=[Line("P2", "Baguette", -1, 120, 550)],
                refunds=[Payment(codes.PAY_CASH, -120)],
                reason="R1",
            ),
        ).record,
    ]
    of_first, of_second = DocumentLinks.after(first, made), DocumentLinks.after(second, made)
    assert (of_first.reprints, of_first.invoice, of_first.returned) == (1, 0, {"P2|120|550": 1})
    assert (of_second.reprints, of_second.invoice, of_second.returned) == (1, 1, {})


def test_links_read_for_another_document_are_a_callers_mistake(ledger: Ledger) -> None:
    first = keep(ledger, sale(ledger)).record
    second = keep(ledger, sale(ledger)).record
    with pytest.raises(ValueError, match="not the document's"):
        duplicate(ledger, first, DocumentLinks.after(second, []))
    with pytest.raises(ValueError, match="not the document's"):
        invoice(ledger, first, DocumentLinks.after(second, []))


def test_the_verifier_checks_reprints_and_invoices_against_the_links_of_its_run(
    ledger: Ledger,
) -> None:
    start = state_to_array(ledger.state)  # a checkpoint taken before the sale
    original = keep(ledger, sale(ledger)).record
    forged = DocumentLinks.after(original, [])
    forged.reprints = 1  # a writer numbering the first reprint 2
    wrong = duplicate(ledger, original, forged).record
    verifier = Verifier(ledger.signer.public_key, state=state_from_array(start))
    verifier.check(original)
    with pytest.raises(IntegrityError, match="reprint number is not the next one"):
        verifier.check(wrong)
    first = keep(ledger, invoice(ledger, original, DocumentLinks.after(original, []))).record
    second = invoice(ledger, original, DocumentLinks.after(original, [])).record  # forgets it
    verifier = Verifier(ledger.signer.public_key, state=state_from_array(start))
    for record in (original, first):
        verifier.check(record)
    with pytest.raises(IntegrityError, match="second invoice for one ticket"):
        verifier.check(second)


def test_a_run_started_after_the_original_checks_the_reprints_it_sees(ledger: Ledger) -> None:
    original = keep(ledger, sale(ledger)).record
    made: list[Record] = []
    for _ in range(2):  # reprints 1 and 2, before the run's checkpoint
        made.append(
            keep(ledger, duplicate(ledger, original, DocumentLinks.after(original, made))).record
        )
    start = state_to_array(ledger.state)
    third = keep(ledger, duplicate(ledger, original, DocumentLinks.after(original, made))).record
    forged = DocumentLinks.after(original, [*made, third])
    forged.reprints = 4  # reprint 5 after 3
    fifth = duplicate(ledger, original, forged).record
    verifier = Verifier(ledger.signer.public_key, state=state_from_array(start))
    verifier.check(third)  # 3 after reprints the run did not see: the inspector's to check
    with pytest.raises(IntegrityError, match="reprint number is not the next one"):
        verifier.check(fifth)  # 5 after the 3 the run saw


def test_the_sieve_keeps_every_record_naming_a_document_and_drops_the_sales() -> None:
    records = [sealed.record for _, sealed in scenario()]
    for original in records:
        for record in records:
            items = cbor2.loads(record.encode())
            alone = DocumentLinks.after(original, [record])
            named = (alone.reprints, alone.invoice, alone.returned) != (0, 0, {})
            kept = DocumentLinks(original.doc_type, original.number).may_name(items)
            assert kept or not named, (original, record)
            body = record.body
            if isinstance(body, TicketBody) and not body.is_return:
                assert not kept  # the bulk of a journal: dropped without a full decoding
    assert DocumentLinks(codes.DOC_TICKET, 1).may_name([1, codes.DOC_DUPLICATE])  # odd shape


def test_an_invoice_met_in_the_run_says_nothing_of_earlier_reprints(ledger: Ledger) -> None:
    original = keep(ledger, sale(ledger)).record
    first = keep(ledger, duplicate(ledger, original, DocumentLinks.after(original, []))).record
    start = state_to_array(ledger.state)  # a checkpoint after the first reprint
    invoiced = keep(ledger, invoice(ledger, original, DocumentLinks.after(original, [first])))
    links = DocumentLinks.after(original, [first, invoiced.record])
    second = keep(ledger, duplicate(ledger, original, links)).record
    assert second.body.reprint == 2  # type: ignore[union-attr]
    verifier = Verifier(ledger.signer.public_key, state=state_from_array(start))
    for record in (invoiced.record, second):  # an honest journal: no alarm
        verifier.check(record)
