"""The Textual app driven headless through Pilot: clicks, keyboard, printer faults, boot errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from firmware.keys import KEY_NAMES
from simulator.app import SimulatorApp
from simulator.widgets import (
    KEYPAD_LAYOUT,
    BootErrorView,
    DrawerPanel,
    PaperRoll,
    VfdDisplay,
    key_button_id,
)

SIZE = (120, 36)


async def click_keys(pilot: Pilot[None], *keys: str) -> None:
    for key in keys:
        assert await pilot.click(f"#{key_button_id(key)}"), f"{key} not clickable"


def log_in(app: SimulatorApp) -> None:
    """Log operator 1 in and open the period (app's own key action, quicker than Pilot)."""
    for key in ("1", "ENTER", "1", "2", "3", "4", "ENTER", "1", "0", "0", "ENTER"):
        app.action_press_key(key)
    assert shown(app)[1].strip() == "CAISSE PRETE"


def shown(app: SimulatorApp) -> tuple[str, str]:
    return app.query_one(VfdDisplay).lines


def static_text(app: SimulatorApp, selector: str) -> str:
    return str(app.query_one(selector).render())


def test_keypad_has_every_key_once() -> None:
    assert sorted(k for row in KEYPAD_LAYOUT for k in row if k) == sorted(KEY_NAMES)


@pytest.mark.asyncio
async def test_sale_by_clicks_prints_and_opens_the_drawer(data_dir: Path) -> None:
    app = SimulatorApp(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        assert shown(app)[0].strip() == "OPERATEUR ?"
        log_in(app)
        await click_keys(pilot, "3", "X", "2", "PLU")
        assert shown(app) == ("3x Baguette     3,60", "TOTAL           3,60")
        await click_keys(pilot, "5", "00", "CASH")
        assert shown(app) == ("RENDU           1,40", "TICKET 1 OK         ")
        paper = app.query_one(PaperRoll)
        assert len(paper.receipts) == 1
        assert any("TOTAL TTC" in line for line in paper.lines)
        assert "OPEN" in static_text(app, "#drawer-state")
        assert app.query_one(DrawerPanel).has_class("open")
        assert await pilot.click("#close-drawer")
        assert "closed" in static_text(app, "#drawer-state")
    assert (data_dir / "receipts" / "000001.txt").exists()


@pytest.mark.asyncio
async def test_sale_by_keyboard(data_dir: Path) -> None:
    app = SimulatorApp(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        # A click first: Enter must still reach the ENTER key, not the clicked button.
        await click_keys(pilot, "1")
        await pilot.press("enter", "1", "2", "3", "4", "enter")
        assert shown(app) == ("BONJOUR CAMILLE     ", "FOND DE CAISSE ?    ")
        await pilot.press("1", "0", "0", "enter")
        assert shown(app) == ("PERIODE OUVERTE     ", "CAISSE PRETE        ")
        await pilot.press("2", "asterisk", "2", "p", "9", "9", "f3", "s")
        assert shown(app) == ("SOUS-TOTAL          ", "A PAYER         3,39")
        await pilot.press("x")  # x is X too; no quantity typed: refused
        assert shown(app)[1].strip() == "BAD_QUANTITY"
        await pilot.press("escape", "c")
        assert shown(app) == ("RENDU           0,00", "TICKET 1 OK         ")
        assert len(app.query_one(PaperRoll).receipts) == 1
        assert "OPEN" in static_text(app, "#drawer-state")
        await pilot.press("d", "l")
        assert "closed" in static_text(app, "#drawer-state")
        assert shown(app)[0].strip() == "OPERATEUR ?"


@pytest.mark.asyncio
async def test_paper_out_refuses_the_sale_before_recording_it(data_dir: Path) -> None:
    app = SimulatorApp(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        log_in(app)
        assert await pilot.click("#toggle-paper-out")
        assert static_text(app, "#printer-status") == "printer: paper-out"
        await pilot.press("2", "p", "b")
        assert shown(app) == ("IMPRIMANTE ABSENTE  ", "PRINTER_NOT_READY   ")
        assert app.query_one(PaperRoll).receipts == []
        assert await pilot.click("#toggle-paper-out")
        assert static_text(app, "#printer-status") == "printer: ready"
        await pilot.press("backspace", "b")  # the sale was kept open: pay it now
        assert shown(app)[1].strip() == "TICKET 1 OK"
        assert len(app.query_one(PaperRoll).receipts) == 1
    assert sorted(p.name for p in (data_dir / "receipts").iterdir()) == [
        "000001.bin",
        "000001.txt",
    ]


@pytest.mark.asyncio
async def test_boot_error_shows_an_error_screen(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "flash.img").write_bytes(b"\xff" * 4096)
    (data_dir / "terminal.key").write_bytes(bytes(32))
    app = SimulatorApp(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(BootErrorView)
        assert view.code == "BAD_FLASH"
        assert "CANNOT START" in str(view.render())
        assert not app.query(VfdDisplay)
        await pilot.press("1", "enter")  # keys do nothing, nothing breaks
    assert app.startup_error is not None
    assert (data_dir / "flash.img").read_bytes() == b"\xff" * 4096
