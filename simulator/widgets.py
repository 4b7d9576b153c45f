"""The simulator's widgets: VFD display, keypad, paper roll, drawer and printer panels.

Widgets only show things and post Button.Pressed messages; the app owns the
session and decides what a press does. No button takes focus, so Enter
always reaches the app's ENTER binding.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Log, Static
from textual.widgets.button import ButtonVariant

from simulator.receipts import SavedReceipt

# A POS keypad: functions along the top, departments down the left, digits in
# a block, payment keys bottom right.
KEYPAD_LAYOUT: tuple[tuple[str, ...], ...] = (
    ("LOGOUT", "CLEAR", "VOID", "CANCEL", "SUBTOTAL", "FUNC"),
    ("DEPT1", "7", "8", "9", "X", "VOUCHER"),
    ("DEPT2", "4", "5", "6", "PLU", "CHEQUE"),
    ("DEPT3", "1", "2", "3", "ENTER", "CARD"),
    ("DEPT4", "0", "00", "", "", "CASH"),
)
KEYPAD_COLUMNS = len(KEYPAD_LAYOUT[0])  # "" marks a place without a key
KEY_WIDTH = 10  # cells, room for SUBTOTAL


def key_button_id(key: str) -> str:
    """Return the widget id of the button of ``key`` (e.g. ``key-00``)."""
    return f"key-{key}"


class KeyButton(Button, can_focus=False):
    """One key of the keypad; ``key`` is its firmware name."""

    def __init__(self, key: str) -> None:
        variant: ButtonVariant = "default"
        if key in ("CASH", "CARD", "ENTER"):
            variant = "primary"
        elif key in ("CLEAR", "CANCEL", "VOID"):
            variant = "warning"
        super().__init__(key, id=key_button_id(key), classes="key", variant=variant)
        self.key = key


class Keypad(Grid):
    """The keypad as a grid of KeyButtons laid out like KEYPAD_LAYOUT."""

    DEFAULT_CSS = f"""
    Keypad {{
        grid-size: {KEYPAD_COLUMNS};
        grid-columns: {KEY_WIDTH};
        grid-rows: 3;
        grid-gutter: 0 1;
        width: {KEYPAD_COLUMNS * (KEY_WIDTH + 1) - 1};
        height: {len(KEYPAD_LAYOUT) * 3};
    }}
    Keypad KeyButton {{
        min-width: {KEY_WIDTH};
        width: 100%;
    }}
    """

    def compose(self) -> ComposeResult:
        for row in KEYPAD_LAYOUT:
            for key in row:
                yield KeyButton(key) if key else Static("")  # "" = no key at that place


class VfdDisplay(Static):
    """The operator's 2 x 20 display, drawn like a vacuum fluorescent one."""

    DEFAULT_CSS = """
    VfdDisplay {
        width: 24;
        height: 4;
        padding: 0 1;
        background: #061410;
        color: #4dffc3;
        text-style: bold;
        border: heavy #2b3a36;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)
        self.lines: tuple[str, str] = ("", "")

    def show(self, lines: tuple[str, str]) -> None:
        """Show the two display lines as they are (already fitted to 20 columns)."""
        if lines != self.lines:
            self.lines = lines
            self.update(f"{lines[0]}\n{lines[1]}", layout=False)  # fixed size: no layout


class PaperRoll(Log):
    """The printer's paper: every receipt's text, one after the other."""

    DEFAULT_CSS = """
    PaperRoll {
        width: 100%;
        max-width: 47;
        overflow-x: auto;
        background: #fbfaf3;
        color: #1d1d1d;
        border: round #8a8a80;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "paper"
        self.receipts: list[SavedReceipt] = []

    def add_receipt(self, receipt: SavedReceipt) -> None:
        """Print ``receipt``'s lines at the end of the roll."""
        self.receipts.append(receipt)
        self.write_lines([*receipt.lines, f"(saved as {receipt.txt_path.name})", ""])


class ControlButton(Button, can_focus=False):
    """A button of the simulator's controls; never focused, so Enter stays the ENTER key."""

    def __init__(self, label: str, *, id: str) -> None:
        super().__init__(label, id=id, classes="control")


class DrawerPanel(Horizontal):
    """The cash drawer's state and the button that pushes it shut."""

    DEFAULT_CSS = """
    DrawerPanel { height: 3; }
    DrawerPanel #drawer-state { width: 20; height: 3; padding: 1 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("drawer: closed", id="drawer-state")
        yield ControlButton("Close drawer", id="close-drawer")

    def show_state(self, is_open: bool | None) -> None:
        """Show ``is_open`` (None: the drawer has no sensor)."""
        text = {True: "drawer: OPEN", False: "drawer: closed", None: "drawer: no sensor"}
        self.query_one("#drawer-state", Static).update(text[is_open], layout=False)
        self.set_class(is_open is True, "open")


class FaultToggle(ControlButton):
    """A printer fault the user switches on and off; the label shows the state."""

    def __init__(self, fault: str, label_ok: str, label_fault: str) -> None:
        super().__init__(label_ok, id=f"toggle-{fault}")
        self.fault = fault
        self.labels = (label_ok, label_fault)
        self.active = False

    def toggle(self) -> bool:
        """Switch the fault; return its new state."""
        self.active = not self.active
        self.label = self.labels[self.active]
        self.variant = "error" if self.active else "default"
        return self.active


class PrinterPanel(Vertical):
    """The printer's status and the faults the user can cause."""

    DEFAULT_CSS = """
    PrinterPanel { height: auto; }
    PrinterPanel #printer-status { padding: 0 1; width: 30; height: 1; }
    PrinterPanel Horizontal { height: 3; }
    """

    def compose(self) -> ComposeResult:
        yield Static("printer: ready", id="printer-status")
        with Horizontal():
            yield FaultToggle("paper-out", "Paper: ok", "Paper: OUT")
            yield FaultToggle("cover-open", "Cover: shut", "Cover: OPEN")
            yield FaultToggle("offline", "Online", "OFFLINE")

    def show_status(self, status: str) -> None:
        """Show the printer's status (a hal.ports PRINTER_* state)."""
        self.query_one("#printer-status", Static).update(f"printer: {status}", layout=False)


class BootErrorView(Static):
    """Shown instead of the terminal when it cannot start: what failed and what to do."""

    DEFAULT_CSS = """
    BootErrorView {
        margin: 2 4;
        padding: 1 2;
        border: heavy $error;
        height: auto;
    }
    """

    def __init__(self, code: str, message: str, data_dir: str) -> None:
        text = (
            "THE TERMINAL CANNOT START\n\n"
            f"{code}: {message}\n\n"
            f"Data directory: {data_dir}\n"
            "Nothing was written. Press Ctrl+Q to quit."
        )
        super().__init__(text, markup=False, id="boot-error")
        self.code = code
