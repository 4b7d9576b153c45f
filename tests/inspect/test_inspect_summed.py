"""Clean ranges summed up by the worker that read them (tools/inspect/condense.py).

``fiscal-inspect verify`` (no records kept) has each worker send back the
stretches of sales and ordinary JET lines of a clean range as sums; the
report must be the one the record-by-record pass gives, intact or not,
whether the anomaly is inside a summed stretch, at its edge or across two
ranges.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from firmware.links import links_of
from fiscal_core import codes
from fiscal_core.records import Line, Payment, TicketBody
from tests.inspect.attack import flip, read_segment, split
from tests.inspect.journals import DAY, Till, sale_lines, till_on
from tests.inspect.test_inspect_parallel import both_ways, cut
from tools.inspect import verify as verify_module
from tools.inspect.condense import Run, Wanted
from tools.inspect.image import FlashContents, read_image
from tools.inspect.parallel import read_range_summed
from tools.inspect.report import report_object
from tools.inspect.verify import verify

SALES = 40


def busy_day(till: Till) -> None:
    """A float, SALES sales with voided lines and a cash movement, and the day closure."""
    till.open()
    for n in range(SALES):
        if n % 7 == 3:
            till.jet(codes.JET_LINE_VOIDED, "ligne P7")
        if n == 20:
            till.jet(codes.JET_CASH_MOVE, "sortie banque", amount=-2000)
        till.sale(sale_lines(n))
    till.close(codes.DOC_GT_PERIOD)


def journal(tmp_path: Path, script: Callable[[Till], None] = busy_day) -> FlashContents:
    image = tmp_path / "flash.img"
    with till_on(image) as till:
        script(till)
    return read_image(image.read_bytes())


def test_a_clean_range_comes_back_as_its_edges_and_runs(tmp_path: Path) -> None:
    contents = journal(tmp_path)
    key = verify(contents).identity.public_key
    wanted = Wanted("DEMO-0001", None, 0)
    items, known = read_range_summed(list(contents.segments), key, False, wanted)
    assert known == {}  # what the worker checked is on the entries it sends
    shape = [
        (item.first_seq, item.last_seq, item.numbers)
        if isinstance(item, Run)
        else (item.header.seq, item.signature_ok, item.link.header.seq if item.link else None)
        for item in items
    ]
    assert shape == [
        (1, None, None),  # the float: first of the range, first JET
        (2, None, None),  # the first sale: its predecessor is in no range of this one
        (3, 45, {codes.DOC_TICKET: (2, 38), codes.DOC_JET: (2, 7)}),
        (46, True, 38),  # the last JET line, trusted against the one the run holds
        (47, 47, {codes.DOC_TICKET: (39, 39)}),
        (48, True, 47),  # the last sale
        (49, None, None),  # the closure: last of the range, first of its chain
    ]
    run = items[2]
    assert isinstance(run, Run) and run.tickets() == 37 and len(run.places) == 37
    assert run.totals.counts[5] == 5 and run.totals.cash_moves == -2000  # 323 x 5, JET 170


def test_summed_ranges_give_the_record_by_record_report(tmp_path: Path) -> None:
    contents = journal(tmp_path)
    summed, kept = verify(contents, keep_records=False), verify(contents)
    assert summed.intact and summed.summary.records == SALES + 9
    assert (summed.findings, report_object(summed)) == (kept.findings, report_object(kept))


def returned_twice(till: Till) -> None:
    """A sale returned twice (the second time, the writer forgets the first) and invoiced,
    among plain sales: the sale named is in a run when the return comes."""
    till.open()
    sold = [till.sale(sale_lines(n)) for n in range(30)]
    before = links_of(till.journal, sold[10])
    for links in (None, before):
        till.ret(sold[10], [Line("P2", "Baguette", -2, 120, 550)], links=links)
    till.invoice(sold[12])
    for n in range(30, 40):
        till.sale(sale_lines(n))
    till.close(codes.DOC_GT_PERIOD)


def test_a_return_or_an_invoice_names_a_ticket_of_a_run(tmp_path: Path) -> None:
    contents = journal(tmp_path, returned_twice)
    key = verify(contents).identity.public_key
    wanted = Wanted("DEMO-0001", None, 0)
    items, _ = read_range_summed(list(contents.segments), key, False, wanted)
    spans = [item.numbers[codes.DOC_TICKET] for item in items if isinstance(item, Run)]
    assert any(first <= 11 <= last for first, last in spans)
    assert any(first <= 13 <= last for first, last in spans)
    summed, kept = verify(contents, keep_records=False), verify(contents)
    assert (summed.findings, report_object(summed)) == (kept.findings, report_object(kept))
    problems = [(f.doc_type, f.number, f.problems) for f in summed.findings]
    assert problems == [
        (
            codes.DOC_TICKET,
            32,
            (
                "article P2 à 1,20 € (TVA 5,5 %) : 4 retourné(s) en tout (dont 2 avant) pour 2 "
                "vendu(s) sur le ticket n°11",
            ),
        )
    ]


def late_sales(till: Till) -> None:
    """Sales recorded after the end of their business day (06:00 the next day)."""
    till.open()
    for n in range(6):
        till.sale(sale_lines(n))
    till.now += DAY
    with till.cheating(business_day=till.state.business_day + 1):
        for n in range(6):
            till.sale(sale_lines(n))


def test_a_sum_in_doubt_is_verified_record_by_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[bool] = []
    stream = verify_module.stream

    def counted(*args: object) -> verify_module.Streamed:
        passes.append(bool(args[8]))  # summed
        return stream(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(verify_module, "stream", counted)
    contents = journal(tmp_path, late_sales)
    summed = verify(contents, keep_records=False)
    assert passes == [True, False]  # the late sales were in a run: read again one by one
    late = "enregistré le 31/12/2025 après la fin de la journée du 30/12/2025"
    assert [(f.seq, f.problems[0][: len(late)]) for f in summed.findings] == [
        (seq, late) for seq in range(8, 14)
    ]
    assert summed.findings == verify(contents).findings


def remove_in_a_run(frames: list[bytes]) -> list[bytes]:
    return frames[:12] + frames[13:]


def remove_at_a_range_edge(frames: list[bytes]) -> list[bytes]:
    return frames[:15] + frames[17:]


def change_in_a_run(frames: list[bytes]) -> list[bytes]:
    frames[10] = flip(frames[10], 30, 0x01, fix_crc=True)
    return frames


def unreadable_in_a_run(frames: list[bytes]) -> list[bytes]:
    frames[20] = flip(frames[20], 3, 0xFF, fix_crc=False)
    return frames


def swap_in_a_run(frames: list[bytes]) -> list[bytes]:
    frames[5], frames[6] = frames[6], frames[5]
    return frames


def drop_last_of_a_range(frames: list[bytes]) -> list[bytes]:
    return frames[:31] + frames[32:]


@pytest.mark.parametrize(
    "attack",
    [
        remove_in_a_run,
        remove_at_a_range_edge,
        change_in_a_run,
        unreadable_in_a_run,
        swap_in_a_run,
        drop_last_of_a_range,
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
def test_anomalies_in_and_around_runs_are_reported_as_by_the_whole_pass(
    tmp_path: Path,
    attack: Callable[[list[bytes]], list[bytes]],
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image = tmp_path / "flash.img"
    with till_on(image) as till:
        busy_day(till)
    pristine = image.read_bytes()
    contents = cut(read_image(pristine), attack(split(read_segment(pristine))))
    streamed, _ = both_ways(contents, workers, 8, monkeypatch)  # ranges of 16 records
    assert [f for f in streamed.findings if f.seq is not None or not f.readable]


def sales_out_of_shape(till: Till) -> None:
    """Sales each with a problem of its own, signed by a dishonest writer, among plain sales
    (each inside a stretch its reader would otherwise sum up)."""
    till.open()
    bread, paid = [Line("P2", "Baguette", 2, 120, 550)], [Payment(codes.PAY_CASH, 240)]
    forged = [
        TicketBody(codes.OP_SALE, bread, [Payment(codes.PAY_CARD, 250)], 10, 0, 0),  # change
        TicketBody(codes.OP_SALE, [*bread, Line("P0", "Rien", 0, 99, 550)], paid, 0, 0, 0),
        TicketBody(codes.OP_SALE, bread, [Payment(codes.PAY_CASH, 250)], 0, 0, 0),  # paid 2,50
        TicketBody(codes.OP_SALE, [Line("P2", "B" * 201, 2, 120, 550)], paid, 0, 0, 0),
        TicketBody(codes.OP_SALE, bread, [Payment(9, 240)], 0, 0, 0),
    ]
    for n in range(30):
        if n % 6 == 3:
            till.forge_ticket(forged[n // 6])
        else:
            till.sale(sale_lines(n))
    till.close(codes.DOC_GT_PERIOD)


def test_sales_with_a_problem_of_their_own_are_sent_and_found(tmp_path: Path) -> None:
    contents = journal(tmp_path, sales_out_of_shape)
    summed, kept = verify(contents, keep_records=False), verify(contents)
    assert (summed.findings, report_object(summed)) == (kept.findings, report_object(kept))
    assert [f.number for f in summed.findings] == [4, 10, 16, 22, 28]
