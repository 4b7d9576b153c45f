"""Sales read straight from their CBOR values by the workers (tools/inspect/sales.py).

A frame is read as a ``Sale`` exactly when the full path decodes it into
a sale on which the rules find nothing; the sale then gives the full
path's header, data to sign, figures and archive row digest. Tickets are
generated valid or slightly off in every field (types, bounds, rules,
encoding); whole journals compare both paths in test_inspect_summed.py
and the dishonest-journal tests (``both_ways``).
"""

from __future__ import annotations

from typing import Any

import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.inspect.archive_content import record_digest
from tools.inspect.decode import DecodeError, decode_record
from tools.inspect.frames import Frame
from tools.inspect.model import (
    DOC_TICKET,
    FORMAT_VERSION,
    MAX_TEXT,
    MAX_TIME_UTC,
    OPERATION_SALE,
    Record,
    TicketBody,
)
from tools.inspect.rules import header_problems, ticket_problems
from tools.inspect.sales import Sale, entry_of, read_sale
from tools.inspect.tosign import ticket_to_sign
from tools.inspect.totals import Totals, add_ticket

SIGNATURE = bytes(range(64))
BIG = 2**64

# A field of a sale: its valid values, and what the format or the rules refuse
valid_lines = st.lists(
    st.tuples(
        st.sampled_from(["P2", "Baguette", "é,\\", ""]),
        st.sampled_from(["Bazar, divers", "x" * MAX_TEXT]),
        st.integers(1, 5),
        st.integers(0, 3000),
        st.sampled_from([0, 550, 2000, 9999]),
    ).map(list),
    min_size=1,
    max_size=4,
)
odd = st.sampled_from([True, None, "1", b"1", [1], 1.0, -1, BIG])  # a wrong type or range
off_line_values = {  # position in a line -> values off
    0: st.one_of(st.just("r" * (MAX_TEXT + 1)), odd),
    1: st.one_of(st.just("l" * (MAX_TEXT + 1)), odd),
    2: st.one_of(st.sampled_from([0, -2, BIG - 1]), odd),
    3: st.one_of(st.sampled_from([-1, BIG - 1]), odd),
    4: st.one_of(st.sampled_from([10000, BIG - 1]), odd),
}
OFF_FIELDS = 28  # 0-7 header, 8-16 body, 17 signature, 18 encoding, 19-27 lines and payments
OFF_VALUES: list[list[Any]] = [  # header and body fields -> values off besides ``odd``
    [0, 2],  # version
    [2, 3, 10],  # doc_type
    [BIG],  # seq
    [BIG],  # number
    [MAX_TIME_UTC + 1, BIG],  # time_utc
    [1081, -1081],  # utc_offset
    [b"T-1"],  # terminal
    [BIG],  # operator
    [0, 2, 3],  # operation
    [[], "x"],  # lines
    ["x"],  # payments
    [BIG],  # change
    [BIG, -BIG - 1],  # gt_real
    [BIG],  # gt_absolute
    [1, 2],  # ref_number
    ["x", " "],  # reason
    [b"", SIGNATURE[:63], ""],  # gt_signature
]


@st.composite
def tickets(draw: st.DrawFn) -> bytes:
    """Return the bytes of a TICKET record: a valid sale, or one thing off."""
    body_lines: list[Any] = draw(valid_lines)
    field = draw(st.sampled_from(range(-1, OFF_FIELDS)))  # which is off, -1: none
    if 19 <= field < 24:  # one value of a line
        line, position = draw(st.sampled_from(body_lines)), field - 19
        line[position] = draw(off_line_values[position])
    total = sum(
        line[2] * line[3] for line in body_lines if type(line[2]) is int and type(line[3]) is int
    )
    change = draw(st.sampled_from([0, 0, 1, 500]))
    card = draw(st.integers(0, max(total, 0)))
    payments: list[Any] = [[2, card], [1, total - card + change]] if card else [[1, total + change]]
    payments = [p for p in payments if p[1]]  # a sale of 0 € may have no payment
    values: list[Any] = [FORMAT_VERSION, DOC_TICKET, 1000, 999, 1736337078, 60, "T-1", 1]
    body: list[Any] = [1, body_lines, payments, change, 10**6, 10**6, 0, "", SIGNATURE]
    if 0 <= field < 17:
        off = draw(st.one_of(st.sampled_from(OFF_VALUES[field]), odd))
        if field < 8:
            values[field] = off
        else:
            body[field - 8] = off
    elif field == 24:  # a line of another shape
        body_lines.append(draw(st.one_of(odd, st.lists(st.integers(0, 3), max_size=6))))
    elif field == 25:  # payments of unknown means
        means = draw(st.sampled_from([0, 5, BIG]))
        payments[:] = [[means, total + change]] if total + change else [[means, 1], [1, -1]]
    elif field == 26:  # a payment of a wrong amount, or of another shape
        bad = draw(st.sampled_from([[1, 0], [2, 0], [2, -1], [1], [1, 1, 1], [1, True], [True, 1]]))
        payments.append(bad)
    elif field == 27:  # change given on a card payment, or payments that do not add up
        payments[:] = [[2, total + 1]]
        body[3] = draw(st.sampled_from([1, 0]))
    record = [*values, body, SIGNATURE if field != 17 else SIGNATURE[:63]]
    data = cbor2.dumps(record, canonical=True)
    if field == 18:  # the same value, not canonically encoded
        data = draw(
            st.sampled_from(
                [
                    data + b"\x00",  # a byte too many
                    data[:3] + b"\x1b" + (1000).to_bytes(8, "big") + data[6:],  # seq on 9 bytes
                    data[:6] + b"\x1a\x00\x00\x03\xe7" + data[9:],  # number 999 on 5 bytes
                    data[:1] + b"\xc2\x41\x01" + data[2:],  # version 1 as a bignum
                ]
            )
        )
    return data


def full_sale(data: bytes) -> Record | None:
    """Return the record if the full path finds a sale without a problem of its own."""
    try:
        record = decode_record(data)
    except DecodeError:
        return None
    body = record.body
    if record.doc_type != DOC_TICKET or record.version != FORMAT_VERSION:
        return None
    if not isinstance(body, TicketBody) or body.operation != OPERATION_SALE:
        return None
    if header_problems(record) or ticket_problems(DOC_TICKET, body):
        return None
    return record


@settings(max_examples=1000, derandomize=True, deadline=None)
@given(data=tickets())
def test_a_sale_is_read_fast_exactly_when_the_full_path_finds_a_clean_sale(data: bytes) -> None:
    frame = Frame("00000001.log", 0, data)
    sale, record = read_sale(frame), full_sale(data)
    assert (sale is None) == (record is None)
    if sale is None or record is None:
        return
    check_same(sale, record, frame)


def check_same(sale: Sale, record: Record, frame: Frame) -> None:
    body = record.body
    assert isinstance(body, TicketBody)
    assert sale.header == entry_of(frame).header
    assert sale.terminal_id == record.terminal_id
    assert sale.grand_totals == (body.gt_real, body.gt_absolute)
    assert sale.total == body.total == body.absolute_total
    assert sale.local_seconds == record.local_seconds
    for previous in ((None, None, True), (SIGNATURE, b"g" * 64, True), (SIGNATURE, None, False)):
        assert sale.to_sign(*previous) == ticket_to_sign(record, *previous)
        signed = sale.to_sign(*previous)[0]
        assert sale.digest(signed) == record_digest(record, signed)
    fast, full = Totals(1), Totals(1)
    sale.add_to(fast)
    add_ticket((full,), body)
    assert fast == full
    assert sale.entry().record == record


def test_generated_tickets_are_valid_sales_and_also_refused_ones() -> None:
    """The generator gives both outcomes (else the property above would prove little)."""
    seen = set()

    @settings(max_examples=300, derandomize=True, deadline=None)
    @given(data=tickets())
    def outcome(data: bytes) -> None:
        seen.add(read_sale(Frame("00000001.log", 0, data)) is not None)

    outcome()
    assert seen == {True, False}


def test_a_sale_of_every_shape_the_terminal_writes_is_read_fast() -> None:
    """Several lines and rates, card and cash with change: the common shape."""
    lines = [["P2", "Baguette", 2, 120, 550], ["D3", "Bazar, divers", 1, 704, 2000]]
    body = [1, lines, [[2, 500], [1, 1000]], 556, 10**6, 10**6, 0, "", SIGNATURE]
    data = cbor2.dumps([1, 1, 5, 4, 1736337078, 60, "T-1", 1, body, SIGNATURE], canonical=True)
    frame = Frame("00000001.log", 0, data)
    sale, record = read_sale(frame), full_sale(data)
    assert sale is not None and record is not None
    assert sale.vat == ((2000, 704), (550, 240))
    check_same(sale, record, frame)
