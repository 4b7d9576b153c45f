"""What the cashier's state machine holds between two events, and its small shared moves.

``State`` is immutable: each event gives a new one (firmware/machine.py).
The modes are listed in machine.py's docstring. ``fail``, ``end_function``
and ``back_to_work`` are how every part of the machine (selling, numbered
functions, the clock-step confirmation) leaves an error or a function.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from firmware.config import TerminalConfig
from firmware.messages import Effect, Show
from fiscal_core.records import Line, Payment, Record

MAX_ENTRY_DIGITS = 8
MAX_QUANTITY = 999
MAX_SALE_LINES = 200

MODE_LOGIN_ID = "login-id"
MODE_LOGIN_PIN = "login-pin"
MODE_FLOAT = "float"
MODE_READY = "ready"
MODE_RETURN = "return"
MODE_PROMPT = "prompt"
MODE_HALTED = "halted"


@dataclass(frozen=True)
class State:
    config: TerminalConfig
    mode: str = MODE_LOGIN_ID
    entry: str = ""
    quantity: int = 1
    operator_id: int = 0
    candidate_operator: int = 0
    lines: tuple[Line, ...] = ()
    payments: tuple[Payment, ...] = ()
    error: str = ""
    pending: str = ""
    period_open: bool = False
    training: bool = False
    prompt: str = ""  # the question a numbered function is asking (functions.PROMPTS)
    function: int = 0  # the numbered function in progress
    document: Record | None = None  # the ticket a function works on (return, invoice...)
    refund_means: int = 0  # return: the means chosen, the reason comes next
    config_pending: bool = False  # a changed configuration waits for a manager's reason
    archive_due: bool = False  # a closed fiscal year must be archived before the next period
    clock_step: str = ""  # a clock step waits for a manager: what the display shows of it
    clock_behind: bool = False  # ... before the last record: the clock must be set right
    clock_manager: int = 0  # the manager who typed their number, their PIN comes next

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def paid(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def role(self) -> str:
        operator = self.config.operator(self.operator_id)
        return operator.role if operator else ""


Step = tuple[State, list[Effect]]


def fail(state: State, code: str, message: str, detail: str = "") -> Step:
    """Freeze the keypad on an error until CLEAR; the display says what and why."""
    return replace(state, error=code), [Show(message.upper(), detail or code)]


def end_function(state: State) -> State:
    """Return to selling (or to the float) with no numbered function in progress."""
    if state.mode in (MODE_LOGIN_ID, MODE_LOGIN_PIN, MODE_HALTED):
        return state
    mode = MODE_READY if state.period_open else MODE_FLOAT
    return replace(state, mode=mode, prompt="", function=0, document=None, entry="", refund_means=0)


def back_to_work(state: State) -> State:
    """Return the state to work in after a refused commit or load.

    A refused sale keeps its lines (the tendered payments are given back);
    a refused function is abandoned whole (a return's lines with it).
    """
    lines = () if state.function == 11 else state.lines
    return end_function(replace(state, payments=(), lines=lines))
