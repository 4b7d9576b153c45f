"""An archive's records and the signatures before them, read from its period on.

The reference is the definition: the last signature of every chain among
all the records before the period (``archive.chain_heads``), and the
period's records as the journal holds them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from firmware import archive
from firmware.archive_range import period_records
from firmware.demo import DEMO_CONFIG
from fiscal_core import codes
from fiscal_core.identity import Identity
from fiscal_core.records import ClosureBody, Record
from tests.inspect.journals import DAY, T0, Till, sale_lines, till_on, trading_day


def _every_record(till: Till) -> list[Record]:
    return [Record.decode(raw) for raw in till.journal.records()]


def _second_day(till: Till) -> Record:
    """Day 1: sales, an invoice, duplicates, a training ticket, closed; day 2: sales, closed."""
    sold = trading_day(till, tickets=5)
    till.invoice(sold[0])
    till.duplicate(sold[1])
    till.jet(codes.JET_TRAINING_ON, "formation")
    till.close(codes.DOC_GT_PERIOD)
    till.now = T0 + DAY
    trading_day(till, tickets=3)
    till.sale(sale_lines(4))
    return till.close(codes.DOC_GT_PERIOD)


def test_a_later_period_gets_every_chains_signature_before_it(tmp_path: Path) -> None:
    with till_on(tmp_path / "flash.img") as till:
        closure = _second_day(till)
        till.jet(codes.JET_LOGOUT, "apres la cloture")  # a record after the period
        records = _every_record(till)
        body = closure.body
        assert isinstance(body, ClosureBody) and body.from_seq > 1
        period, previous = period_records(
            till.journal, body.from_seq, closure.seq, till.ledger.state.chains
        )
    before = records[: body.from_seq - 1]
    assert [r.seq for r in period] == list(range(body.from_seq, closure.seq + 1))
    assert [r.signature for r in period] == [
        r.signature for r in records[body.from_seq - 1 : closure.seq]
    ]
    assert previous == archive.chain_heads(before)
    # chains seen only before the period (invoice, duplicate) and those in it are all there
    assert {codes.DOC_INVOICE, codes.DOC_DUPLICATE, codes.DOC_TICKET, codes.DOC_GT_TICKET} <= set(
        previous
    )


def test_the_first_period_has_no_signature_before_it(tmp_path: Path) -> None:
    with till_on(tmp_path / "flash.img") as till:
        trading_day(till, tickets=2)
        closure = till.close(codes.DOC_GT_PERIOD)
        body = closure.body
        assert isinstance(body, ClosureBody)
        period, previous = period_records(
            till.journal, body.from_seq, closure.seq, till.ledger.state.chains
        )
        records = _every_record(till)
    assert previous == archive.chain_heads(records[: body.from_seq - 1])
    assert period[-1].seq == closure.seq and period[0].seq == body.from_seq


def test_the_archive_made_from_the_period_equals_one_made_from_the_whole_journal(
    tmp_path: Path,
) -> None:
    with till_on(tmp_path / "flash.img") as till:
        closure = _second_day(till)
        till.archive(closure)
        records = _every_record(till)
        name = next(n for n, _ in till.journal.list_dir("/fiscal/archives"))
        stored = till.journal.read_file(f"/fiscal/archives/{name}")
        made = next(r for r in records if r.doc_type == codes.DOC_ARCHIVE)
    body = closure.body
    assert isinstance(body, ClosureBody)
    expected = archive.build_archive(
        records[body.from_seq - 1 : closure.seq],
        identity=Identity(till.ledger.terminal_id, till.signer.public_key),
        config=replace(DEMO_CONFIG, terminal_id=till.ledger.terminal_id),
        created_utc=made.time_utc,
        created_offset=made.utc_offset,
        label=body.label,
        previous_signatures=archive.chain_heads(records[: body.from_seq - 1]),
    )
    assert stored == expected
