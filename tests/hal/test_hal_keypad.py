"""Keypad backends: the matrix scanner's wiring and debouncing, the sim queue across threads."""

from __future__ import annotations

import threading

import pytest
from gpiozero.pins.mock import MockFactory

from hal.keypad.fake import FakeKeypad
from hal.keypad.matrix import MatrixKeypad
from hal.keypad.sim import SimKeypad
from hal.machine import MockPin, Pin
from tests.hal.conftest import COL_GPIOS, KEYMAP, POSITION, ROW_GPIOS
from tests.hal.hal_doubles import MatrixModel


def matrix(debounce_scans: int = 3) -> tuple[MatrixModel, MatrixKeypad, list[MockPin]]:
    model = MatrixModel(4, 4)
    rows, cols = model.machine_pins()
    return model, MatrixKeypad(rows, cols, KEYMAP, debounce_scans), rows + cols


def test_matrix_configures_rows_as_outputs_high_and_columns_as_pulled_up_inputs() -> None:
    _, _, pins = matrix()
    rows, cols = pins[:4], pins[4:]
    assert all(p.mode == MockPin.OUT and p.history == [1] for p in rows)
    assert all(p.mode == MockPin.IN and p.pull == MockPin.PULL_UP for p in cols)


def test_a_scan_drives_each_row_low_once_and_leaves_it_high() -> None:
    model, keypad, pins = matrix()
    model.held = frozenset({POSITION["5"]})
    assert keypad.scan() == [5]  # row 1 * 4 columns + column 1
    for row in pins[:4]:
        assert row.history == [1, 0, 1]


def test_a_key_counts_only_after_debounce_scans_agree() -> None:
    model, keypad, _ = matrix(debounce_scans=3)
    model.held = frozenset({POSITION["7"]})
    assert [keypad.read_key() for _ in range(3)] == [None, None, "7"]
    assert [keypad.read_key() for _ in range(5)] == [None] * 5  # held: reported once


def test_contact_bounce_shorter_than_debounce_is_ignored() -> None:
    model, keypad, _ = matrix(debounce_scans=3)
    bounce = [frozenset({POSITION["1"]}), frozenset()] * 4
    for held in bounce:
        model.held = held
        assert keypad.read_key() is None


def test_releasing_and_pressing_again_reports_twice() -> None:
    model, keypad, _ = matrix(debounce_scans=2)
    reads = []
    for held in [{POSITION["9"]}] * 3 + [set()] * 3 + [{POSITION["9"]}] * 3:
        model.held = frozenset(held)
        reads.append(keypad.read_key())
    assert [key for key in reads if key] == ["9", "9"]


def test_keys_appearing_together_are_queued_row_major() -> None:
    model, keypad, _ = matrix(debounce_scans=1)
    model.held = frozenset({POSITION["ENTER"], POSITION["2"], POSITION["4"]})
    assert [keypad.read_key() for _ in range(4)] == ["2", "4", "ENTER", None]


def test_a_second_key_held_with_the_first_is_reported() -> None:
    model, keypad, _ = matrix(debounce_scans=1)
    model.held = frozenset({POSITION["1"]})
    assert keypad.read_key() == "1"
    model.held = frozenset({POSITION["1"], POSITION["SUBTOTAL"]})
    assert keypad.read_key() == "SUBTOTAL"


def test_unnamed_positions_are_ignored() -> None:
    model = MatrixModel(1, 2)
    rows, cols = model.machine_pins()
    keypad = MatrixKeypad(rows, cols, [["A", ""]], debounce_scans=1)
    model.held = frozenset({(0, 0), (0, 1)})
    assert [keypad.read_key(), keypad.read_key()] == ["A", None]


@pytest.mark.parametrize(
    ("keymap", "debounce"),
    [([["1", "2"]], 1), ([["1"], ["2"]], 1), ([["1", "2"], ["3"]], 1), ([["1", "2"]] * 2, 0)],
)
def test_matrix_refuses_a_keymap_not_matching_the_pins(keymap: list, debounce: int) -> None:
    with pytest.raises(ValueError):
        MatrixKeypad([MockPin(), MockPin()], [MockPin(), MockPin()], keymap, debounce)


def test_matrix_on_gpiozero_pins_drives_the_real_pin_states() -> None:
    factory = MockFactory()
    model = MatrixModel(4, 4)
    model.wire_gpiozero(factory, ROW_GPIOS, COL_GPIOS)
    pins = [Pin(n, pin_factory=factory) for n in ROW_GPIOS + COL_GPIOS]
    try:
        keypad = MatrixKeypad(pins[:4], pins[4:], KEYMAP, debounce_scans=1)
        model.held = frozenset({POSITION["X"]})
        assert keypad.read_key() == "X"
        row1 = factory.pin(ROW_GPIOS[1])
        assert [s.state for s in row1.states][-2:] == [False, True]  # pulsed low, left high
        assert all(factory.pin(n).pull == "up" for n in COL_GPIOS)
    finally:
        for pin in pins:
            pin.close()


def test_fake_keypad_returns_its_script_then_none() -> None:
    keypad = FakeKeypad(["1", "ENTER"])
    assert [keypad.read_key() for _ in range(3)] == ["1", "ENTER", None]


def test_sim_keypad_keeps_every_press_from_many_threads() -> None:
    keypad = SimKeypad()

    def press_many(name: str) -> None:
        for _ in range(200):
            keypad.press(name)

    threads = [threading.Thread(target=press_many, args=(str(n),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = []
    while (key := keypad.read_key()) is not None:
        keys.append(key)
    assert sorted(keys) == sorted([str(n) for n in range(4)] * 200)


def test_sim_keypad_refuses_an_empty_key_name() -> None:
    with pytest.raises(ValueError):
        SimKeypad().press("")
