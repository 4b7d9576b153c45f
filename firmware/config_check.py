"""The configuration in force against the one the JET last acknowledged (JET 401).

Each acknowledgment journals the configuration's digest (JET 401) and keeps
a copy of it beside the journal (``/fiscal/config.json``). At start-up the
configuration loaded is compared with that digest: the first start journals
it as the initial one; another digest means the configuration changed while
the terminal was off, and the changes (field by field against the stored
copy, firmware/config_audit.py) wait for the reason a manager gives on the
keypad (docs/KEYS.md) before they are journaled (JET 400, 410, 130), the
acknowledgment last.
Owned by the runner's Terminal (``config_check``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.config import ConfigError, TerminalConfig
from firmware.config_audit import changes
from firmware.journal import CONFIG_PATH, JournalError
from firmware.messages import CommitJet, CommitRefused, Event
from fiscal_core import codes

if TYPE_CHECKING:
    from firmware.runner import Terminal


class ConfigCheck:
    """The changes of one terminal's configuration found at start-up, not yet journaled."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.changes: list[tuple[int, str]] = []  # (JET code, text) found at boot

    def at_start_up(self) -> None:
        """Compare the configuration with the one the JET last acknowledged (JET 401).

        First start: journal it as the initial one. Same digest: nothing to
        ask (the stored copy is rewritten if a power cut left it behind).
        Another digest: the changes against the stored copy wait for a
        manager's reason (``changes``).
        """
        config = self.terminal.config
        acknowledged = self.terminal.ledger.state.config_ack
        if not acknowledged:
            # One record, so a power cut cannot leave half of it: the first 401 is the initial one.
            self.acknowledge([], 0)
            return
        stored = self._stored()
        if acknowledged == config.digest():
            if stored != config:
                self._write()
            return
        if stored is not None and stored.digest() == acknowledged:
            self.changes = changes(stored, config)
        else:  # the copy of the acknowledged configuration is lost: say so, whole
            text = f"configuration precedente {acknowledged[:16]} illisible -> nouvelle"
            self.changes = [(codes.JET_CONFIG_CHANGE, text)]

    def commit_changes(self, reason: str, operator_id: int) -> Event:
        """Journal the changes found at start-up with the manager's reason, then acknowledge."""
        lines = [(code, f"{text} | {reason}") for code, text in self.changes]
        return self.acknowledge(lines, operator_id)

    def acknowledge(self, lines: list[tuple[int, str]], operator_id: int) -> Event:
        """Journal configuration changes, then make the configuration the acknowledged one."""
        terminal = self.terminal
        ack = (codes.JET_CONFIG_ACK, terminal.config.digest())
        outcome: Event = CommitRefused("WRITE_FAILED", "not journaled")
        for code, text in [*lines, ack]:  # the acknowledgment last: it closes the change
            outcome = terminal.commit_jet(CommitJet(operator_id, code, text))
            if isinstance(outcome, CommitRefused):
                return outcome
        self.changes = []
        return self._write() or outcome

    def _stored(self) -> TerminalConfig | None:
        try:
            stored = self.terminal.journal.read_file(CONFIG_PATH)
            return None if stored is None else TerminalConfig.from_json(stored.decode("utf-8"))
        except (JournalError, ConfigError, UnicodeDecodeError):
            return None

    def _write(self) -> Event | None:
        terminal = self.terminal
        try:
            terminal.journal.replace_file(CONFIG_PATH, terminal.config.to_json().encode("utf-8"))
        except JournalError as exc:
            return CommitRefused(exc.code, str(exc))
        return None
