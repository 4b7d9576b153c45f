"""The printer on a running terminal: asked before recording, and every ticket accounted for.

Before a document that must print is recorded, the printer is asked
(6.7.3.4): while it is not ready nothing is recorded, and its outage and
return are journaled (JET 70, 120). A document prints only once it is
durable (the state machine orders commit, then print).

A ticket that does not print is journaled (JET 901) and stays in the
ledger's ``unprinted`` until function 16 prints it late (JET 902). The
printed marker (``/fiscal/printed``, the last ticket printed or journaled
as not printed) is written after each ticket's print; a power cut between
recording a ticket and printing it leaves the marker behind, and the next
boot journals the ticket as not printed and offers it (``reconcile``).
Owned by the runner's Terminal (``printing``).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from firmware.journal import PRINTED_PATH, JournalError
from firmware.messages import (
    CommitJet,
    CommitRefused,
    Event,
    PendingPrinted,
    PrintFailed,
    PrintRecord,
    PrintSlip,
)
from firmware.printjobs import render_record, render_slip
from fiscal_core import codes
from hal.ports import PRINTER_READY, PrinterError

if TYPE_CHECKING:
    from firmware.runner import Terminal


class Printing:
    """The printer of one running terminal, and whether its outage is journaled."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.printer_down = False  # JET 70 journaled, JET 120 not yet

    def ready(self) -> bool:
        """Ask the printer before recording what must print (6.7.3.4); journal changes."""
        terminal = self.terminal
        status = terminal.board.printer.status()
        ready = status == PRINTER_READY
        if ready == self.printer_down:  # a change: down -> up or up -> down
            code = codes.JET_PRINTER_BACK if ready else codes.JET_PRINTER_OFFLINE
            jet = CommitJet(terminal.state.operator_id, code, f"imprimante {status}")
            if not isinstance(terminal.commit_jet(jet), CommitRefused):
                self.printer_down = not ready
        return ready

    def print_record(self, effect: PrintRecord) -> Event | None:
        """Print a recorded document; a ticket is accounted for, printed or not (JET 901)."""
        record = effect.record
        outcome = self._print(render_record(record, effect.original, self.terminal.config))
        if record.doc_type != codes.DOC_TICKET:
            return outcome
        if outcome is not None:
            self._not_printed(record.operator_id, record.number, outcome.code)
        self._account_printed(record.number)
        return outcome

    def print_slip(self, effect: PrintSlip) -> Event | None:
        """Print a slip that is no record (version, rights, X report, payment proof)."""
        terminal = self.terminal
        clock = terminal.board.clock
        state, key = terminal.ledger.state, terminal.ledger.signer.public_key
        return self._print(render_slip(effect, terminal.config, state, clock, key))

    def reconcile(self) -> int:
        """At boot: journal (JET 901) tickets recorded after the last one known printed.

        A power cut between recording a ticket and printing it leaves such a
        ticket; it is marked and offered by function 16, never dropped.
        Returns how many tickets wait for printing.
        """
        terminal = self.terminal
        state = terminal.ledger.state
        raw = terminal.journal.read_file(PRINTED_PATH)
        accounted = int(raw) if raw and raw.isdigit() else 0
        last = state.head(codes.DOC_TICKET).number
        for number in range(accounted + 1, last + 1):
            if number not in state.unprinted:
                self._not_printed(0, number, "impression non confirmee, coupure")
        if last > accounted:
            self._account_printed(last)
        return len(state.unprinted)

    def print_pending(self, operator_id: int) -> Event:
        """Print the tickets waiting, oldest first, each journaled as printed late (JET 902)."""
        terminal, config = self.terminal, self.terminal.config
        printed = 0
        unprinted = terminal.ledger.state.unprinted
        records = terminal.find_all(codes.DOC_TICKET, set(unprinted)) if unprinted else {}
        for number in sorted(unprinted):
            record = records.get(number)
            if record is None or self._print(render_record(record, None, config, late=True)):
                break
            text = f"ticket {number} imprime en differe"
            jet = CommitJet(operator_id, codes.JET_RECEIPT_PRINTED_LATE, text, ref=number)
            if isinstance(terminal.commit_jet(jet), CommitRefused):
                break
            printed += 1
        return PendingPrinted(printed)

    def _not_printed(self, operator_id: int, number: int, why: str) -> None:
        text = f"ticket {number} non imprime ({why})"
        jet = CommitJet(operator_id, codes.JET_RECEIPT_NOT_PRINTED, text, ref=number)
        self.terminal.commit_jet(jet)

    def _account_printed(self, number: int) -> None:
        """Note that tickets up to ``number`` are printed or journaled as not printed.

        Written after the print, outside the commit path; a power cut before
        it only makes the next boot journal the ticket as not printed (and
        offer it for printing), never lose it.
        """
        # If it fails, the next boot accounts for the ticket: see reconcile.
        with contextlib.suppress(JournalError):
            self.terminal.journal.replace_file(PRINTED_PATH, str(number).encode("ascii"))

    def _print(self, data: bytes) -> PrintFailed | None:
        printer = self.terminal.board.printer
        status = printer.status()
        if status != PRINTER_READY:
            return PrintFailed(status)
        try:
            printer.print_bytes(data)
        except PrinterError as exc:
            return PrintFailed(exc.code)
        return None
