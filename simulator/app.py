"""The simulator's window: the terminal's display, keypad, printer and drawer in Textual.

Every key, click and toggle is handled on the app's thread: a key goes to
the SimKeypad, the terminal polls it at once, and the widgets are refreshed
from the Sim backends' state. When the data directory or the firmware
refuses to start, an error view replaces the terminal.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Header

from firmware.runner import BootError
from hal.ports import SerialLink
from simulator.datadir import DataDir, DataDirError
from simulator.session import Session
from simulator.widgets import (
    BootErrorView,
    DrawerPanel,
    FaultToggle,
    KeyButton,
    Keypad,
    PaperRoll,
    PrinterPanel,
    VfdDisplay,
)


def _key(keys: str, key: str, description: str = "", *, show: bool = True) -> Binding:
    # Enter has priority: nothing focused may take it from the ENTER key.
    return Binding(
        keys, f"press_key('{key}')", description or key, show=show, priority=keys == "enter"
    )


KEY_BINDINGS: list[BindingType] = [
    *(_key(digit, digit, show=False) for digit in "0123456789"),
    _key("x,asterisk", "X", "Qty"),
    _key("p", "PLU"),
    *(_key(f"f{n}", f"DEPT{n}", f"D{n}") for n in range(1, 5)),
    _key("s", "SUBTOTAL", "Subtotal"),
    _key("c", "CASH", "Cash"),
    _key("b", "CARD", "Card"),
    _key("q", "CHEQUE", "Cheque"),
    _key("o", "VOUCHER", "Voucher"),
    _key("f", "FUNC", "Func"),
    _key("v", "VOID", "Void"),
    _key("a", "CANCEL", "Cancel"),
    _key("enter", "ENTER", "Enter"),
    _key("l", "LOGOUT", "Logout"),
    _key("escape,backspace", "CLEAR", "Clear"),
    Binding("d", "close_drawer", "Drawer"),
]


LINK_POLL_S = 0.01


class SimulatorApp(App[None]):
    """The simulated terminal on the data directory ``data``."""

    TITLE = "fiscal-sim"
    BINDINGS = KEY_BINDINGS
    CSS = """
    #terminal { width: auto; padding: 0 1; }
    #side { width: 1fr; }
    #paper { height: 1fr; }
    DrawerPanel.open #drawer-state { background: $warning; color: $text; }
    .control { min-width: 13; }
    """

    def __init__(self, data: str | Path, serial: SerialLink | None = None) -> None:
        super().__init__()
        self.datadir = DataDir(data)
        self.serial = serial  # the inspection link, served between keys
        self.session: Session | None = None
        self.startup_error: DataDirError | BootError | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        try:
            self.session = Session.start(self.datadir, serial=self.serial)
        except (DataDirError, BootError) as exc:
            self.startup_error = exc
            yield BootErrorView(exc.code, exc.message, str(self.datadir.path))
            yield Footer(compact=True, show_command_palette=False)
            return
        self.sub_title = f"{self.session.terminal_id} - {self.datadir.path}"
        with Horizontal():
            with Vertical(id="terminal"):
                yield VfdDisplay(id="vfd")
                yield Keypad(id="keypad")
            with Vertical(id="side"):
                yield PaperRoll(id="paper")
                yield DrawerPanel(id="drawer")
                yield PrinterPanel(id="printer")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.session is not None:
            self._refresh_devices()
            if self.serial is not None:
                self.set_interval(LINK_POLL_S, self._serve_link)

    def _serve_link(self) -> None:
        """One step of the inspection link (on the app's thread, like the keys)."""
        if self.session is not None:
            self.session.poll()

    def on_unmount(self) -> None:
        if self.session is not None:
            self.session.close()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Disable the terminal's keys when it did not start."""
        if action in ("press_key", "close_drawer"):
            return self.session is not None
        return True

    # ------------------------------------------------------------ actions

    def action_press_key(self, key: str) -> None:
        """Press ``key`` on the terminal and show what it did."""
        if self.session is None:
            return
        try:
            receipts = self.session.press(key)
        except OSError as exc:
            self.notify(f"receipt not saved: {exc}", severity="error")
            receipts = []
        paper = self.query_one(PaperRoll)
        for receipt in receipts:
            paper.add_receipt(receipt)
        self._refresh_devices()

    def action_close_drawer(self) -> None:
        """Push the cash drawer shut."""
        if self.session is not None:
            self.session.drawer.close()
            self._refresh_devices()

    @on(Button.Pressed, ".key")
    def _key_clicked(self, event: Button.Pressed) -> None:
        if isinstance(event.button, KeyButton):
            self.action_press_key(event.button.key)

    @on(Button.Pressed, "#close-drawer")
    def _close_drawer_clicked(self) -> None:
        self.action_close_drawer()

    @on(Button.Pressed, "FaultToggle")
    def _fault_toggled(self, event: Button.Pressed) -> None:
        if self.session is None or not isinstance(event.button, FaultToggle):
            return
        active = event.button.toggle()
        printer = self.session.printer
        setter = {
            "paper-out": printer.set_paper_out,
            "cover-open": printer.set_cover_open,
            "offline": printer.set_offline,
        }[event.button.fault]
        setter(active)
        self._refresh_devices()

    def _refresh_devices(self) -> None:
        assert self.session is not None
        self.query_one(VfdDisplay).show(self.session.display.lines)
        self.query_one(DrawerPanel).show_state(self.session.drawer.is_open())
        self.query_one(PrinterPanel).show_status(self.session.printer.status())
