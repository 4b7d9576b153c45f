"""Reprints, invoices and returns of a document are read from the journal, across boots.

The ledger state keeps none of them (fiscal_core/links.py): a terminal that
closed the day, wrote its checkpoint and restarted must still number the
next reprint after the last, refuse a second invoice and refuse to return
more than was sold, from what the journal says after the document.
"""

from __future__ import annotations

import pytest

from firmware.demo import DEMO_CONFIG
from firmware.journal import CHECKPOINT_PATH, Journal
from firmware.keys import parse_key_script
from firmware.provision import provision
from firmware.runner import Terminal
from fiscal_core import codes
from fiscal_core.checkpoint import Checkpoint
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.links import DocumentLinks
from fiscal_core.records import DuplicateBody, InvoiceBody, Record, TicketBody
from hal.factory import fake_board
from hal.flash.ram import RamFlash
from hal.ports import FlashGeometry

SIGNER = Ed25519Signer(bytes(range(1, 33)))
LOGIN = "1 ENTER 1234 ENTER 15000 ENTER"  # log in and open the period (150,00 float)
SALE = " 2 X 2 PLU 10 PLU CASH"  # ticket 1: 2 baguettes and a sandwich
CLOSE_DAY = " 2 FUNC"
DAY = 86_400


@pytest.fixture
def flash() -> RamFlash:
    chip = RamFlash(FlashGeometry(16, 16, 4096, 128))
    provision(chip, DEMO_CONFIG, SIGNER)
    return chip


class Shop:
    """The terminal on ``flash``, booted again for each day (a day later each time)."""

    def __init__(self, flash: RamFlash) -> None:
        self.flash = flash
        self.now = 1_764_064_800  # 2025-11-25 10:00 in Paris

    def day(self, keys: str) -> Terminal:
        """Boot, run ``keys`` (after logging in and opening the day), return the terminal."""
        board = fake_board(flash=self.flash, now=self.now, keys=parse_key_script(LOGIN + keys))
        terminal = Terminal.boot(board, DEMO_CONFIG, SIGNER)
        terminal.poll()
        self.now += DAY
        return terminal

    def records(self) -> list[Record]:
        return [Record.decode(raw) for raw in Journal.mount(self.flash).records()]

    def checkpoint_seq(self) -> int:
        data = Journal.mount(self.flash).read_file(CHECKPOINT_PATH)
        assert data is not None
        return Checkpoint.open(data, SIGNER.public_key).seq


def test_a_reprint_after_a_closure_and_a_restart_follows_the_last_one(flash: RamFlash) -> None:
    shop = Shop(flash)
    shop.day(SALE + " 10 FUNC 1 ENTER 10 FUNC 1 ENTER" + CLOSE_DAY)
    closed_at = len(shop.records())
    shop.day(" 10 FUNC 1 ENTER")
    assert shop.checkpoint_seq() >= closed_at - 1  # the second boot started from a checkpoint
    reprints = [
        r.body.reprint
        for r in shop.records()
        if isinstance(r.body, DuplicateBody) and r.body.original_number == 1
    ]
    assert reprints == [1, 2, 3]


def test_a_second_invoice_days_later_is_refused_and_nothing_is_written(flash: RamFlash) -> None:
    shop = Shop(flash)
    shop.day(SALE + " 12 FUNC 1 ENTER 1 ENTER" + CLOSE_DAY)
    before = shop.records()
    terminal = shop.day(" 12 FUNC 1 ENTER 1 ENTER")
    assert terminal.state.error == "ALREADY_INVOICED"
    invoices = [
        [r.encode() for r in records if isinstance(r.body, InvoiceBody)]
        for records in (before, shop.records())
    ]
    assert len(invoices[0]) == 1 and invoices[1] == invoices[0]


def test_returns_on_later_days_add_up_against_the_sale(flash: RamFlash) -> None:
    shop = Shop(flash)

    def returns() -> list[int]:
        return [
            r.body.total
            for r in shop.records()
            if isinstance(r.body, TicketBody) and r.body.is_return
        ]

    shop.day(SALE + " 11 FUNC 1 ENTER 2 PLU CASH 1 ENTER" + CLOSE_DAY)  # 1 of 2 baguettes back
    shop.day(" 11 FUNC 1 ENTER 2 X 2 PLU CASH 1 ENTER CLEAR" + CLOSE_DAY)  # 2 more: refused
    assert returns() == [-120]
    shop.day(" 11 FUNC 1 ENTER 2 PLU CASH 1 ENTER" + CLOSE_DAY)  # the last one is still due
    assert returns() == [-120, -120]
    terminal = shop.day(" 11 FUNC 1 ENTER 2 PLU CASH 1 ENTER")  # none left
    assert terminal.state.error == "RETURN_TOO_LARGE" and returns() == [-120, -120]
    sale = next(r for r in shop.records() if r.doc_type == codes.DOC_TICKET)
    assert DocumentLinks.after(sale, shop.records()).returned == {"P2|120|550": 2}
