"""Display fitting (accents, widths) and the backends' own duties: listeners, HD44780 bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.display import text
from hal.display.fake import FakeDisplay
from hal.display.hd44780 import Hd44780Display
from hal.display.sim import SimDisplay
from hal.display.text import fit_line, hd44780_char, latin_char
from hal.machine import MockI2C
from hal.ports import DISPLAY_COLUMNS
from tests.hal.hal_doubles import hd44780_from_writes


def test_text_columns_equal_the_port_constant() -> None:
    assert text.COLUMNS == DISPLAY_COLUMNS


@pytest.mark.parametrize(
    ("raw", "latin", "ascii"),
    [
        ("Crème brûlée", "Crème brûlée", "Creme brulee"),
        ("Ça coûte 5€", "Ça coûte 5€", "Ca coute 5EUR"),
        ("ŒUFS Noël Ÿ", "ŒUFS Noël Ÿ", "OEUFS Noel Y"),
        ("« déjà »", "« déjà »", '" deja "'),
        ("a\tb\nc\u202f!", "a b c !", "a b c !"),
        ("C:\\~", "C:\\~", "C:/-"),
        ("🧾\x00\x1b", "???", "???"),
    ],
)
def test_charsets_keep_or_fold_french_text(raw: str, latin: str, ascii: str) -> None:
    assert fit_line(raw, latin_char) == latin.ljust(20)
    assert fit_line(raw, hd44780_char) == ascii.ljust(20)


def test_folding_happens_before_cutting() -> None:
    # "€" becomes three letters: the cut must see them.
    assert fit_line("x" * 18 + "€", hd44780_char) == "x" * 18 + "EU"


@settings(max_examples=100, derandomize=True, database=None)
@given(st.text())
def test_any_text_fits_in_exactly_20_showable_columns(raw: str) -> None:
    lcd = fit_line(raw, hd44780_char)
    assert len(lcd) == 20
    assert all(0x20 <= ord(ch) < 0x7F and ch not in "\\~" for ch in lcd)
    sim = fit_line(raw, latin_char)
    assert len(sim) == 20
    assert all(latin_char(ch) == ch for ch in sim)


def test_fake_display_records_history_fitted() -> None:
    display = FakeDisplay()
    display.show("Bonjour")
    display.show("Total", "12,50 €")
    assert display.history == [
        ("Bonjour".ljust(20), " " * 20),
        ("Total".ljust(20), "12,50 €".ljust(20)),
    ]
    assert display.text == ("Total", "12,50 €")


def test_sim_display_notifies_listeners_on_change_only() -> None:
    display = SimDisplay()
    seen: list[tuple[str, str]] = []
    display.add_listener(lambda a, b: seen.append((a.rstrip(), b.rstrip())))
    display.show("A", "B")
    display.show("A", "B")
    display.show("A", "C")
    assert seen == [("A", "B"), ("A", "C")]


def test_sim_display_listener_may_read_the_display() -> None:
    display = SimDisplay()
    read_back: list[tuple[str, str]] = []
    display.add_listener(lambda a, b: read_back.append(display.lines))
    display.show("X")
    assert read_back == [("X".ljust(20), " " * 20)]


def test_sim_display_removed_listener_is_not_called() -> None:
    display = SimDisplay()
    seen: list[str] = []

    def listener(a: str, b: str) -> None:
        seen.append(a)

    display.add_listener(listener)
    display.remove_listener(listener)
    display.show("X")
    assert seen == []


def new_lcd() -> tuple[MockI2C, Hd44780Display, list[int]]:
    bus = MockI2C()
    delays: list[int] = []
    return bus, Hd44780Display(bus, delay_ms=delays.append), delays


def test_hd44780_reset_leaves_a_4_bit_two_line_blank_display_lit() -> None:
    bus, _, delays = new_lcd()
    lcd = hd44780_from_writes(bus.writes)
    assert lcd.four_bit and lcd.display_on and lcd.backlight
    assert 0x28 in lcd.instructions  # 4-bit, 2 lines
    assert lcd.lines() == (" " * 20, " " * 20)
    assert delays[0] >= 40  # power-on wait first


def test_hd44780_shows_folded_text_and_never_a_yen_sign() -> None:
    bus, display, _ = new_lcd()
    display.show("Café crème \\ 3€", "Total")
    assert hd44780_from_writes(bus.writes).lines() == (
        "Cafe creme / 3EUR".ljust(20),
        "Total".ljust(20),
    )
    assert display.lines == ("Cafe creme / 3EUR".ljust(20), "Total".ljust(20))


def test_hd44780_resends_only_changed_lines() -> None:
    bus, display, _ = new_lcd()
    display.show("TOTAL", "1,00")
    sent = len(bus.writes)
    display.show("TOTAL", "2,00")
    assert len(bus.writes) == sent + 1
    display.show("TOTAL", "2,00")
    assert len(bus.writes) == sent + 1
    assert hd44780_from_writes(bus.writes).lines()[1] == "2,00".ljust(20)


def test_hd44780_without_a_device_at_the_address_raises_oserror() -> None:
    with pytest.raises(OSError):
        Hd44780Display(MockI2C(addresses=(0x3F,)), delay_ms=lambda ms: None)
