"""Headless runs: a keypad script pressed on the simulated terminal, with a plain transcript.

The whole script is parsed before anything is touched, so a script with an
unknown key changes nothing, not even the data directory. Then the terminal
boots on the data directory, each key is pressed in turn, and each printed
receipt lands in ``DIR/receipts/``. The transcript shows each key and the
two display lines after it, then what was printed and whether the drawer
opened.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from firmware.keys import KeyScriptError, parse_key_script
from firmware.runner import BootError
from hal.ports import SerialLink
from simulator.clock import ScriptClock
from simulator.datadir import DataDir, DataDirError
from simulator.session import Session

EXIT_OK = 0
EXIT_FAILED = 1  # the terminal could not start, or a receipt could not be saved
EXIT_USAGE = 2  # the script cannot be read or names an unknown key

KEY_COLUMN = 9


def read_script(source: str, stdin: TextIO) -> list[str]:
    """Return the keys of the script at ``source`` (``-`` = ``stdin``).

    Raises KeyScriptError naming file:line and the key, OSError when unreadable.
    """
    if source == "-":
        return parse_key_script(stdin.read(), "<stdin>")
    return parse_key_script(Path(source).read_text(encoding="utf-8"), source)


def display_row(label: str, lines: tuple[str, str]) -> str:
    """Return one transcript row: the label, then both display lines between brackets."""
    return f"{label:<{KEY_COLUMN}} [{lines[0]}] [{lines[1]}]"


class Transcript:
    """The transcript's lines on ``out``; a reader going away ends the transcript, not the run."""

    def __init__(self, out: TextIO, quiet: bool) -> None:
        self.out = out
        self.quiet = quiet

    def say(self, text: str) -> None:
        if self.quiet:
            return
        try:
            print(text, file=self.out, flush=True)
        except BrokenPipeError:
            # e.g. piped into ``head``: keep pressing the script's keys silently.
            self.quiet = True
            _discard_output(self.out)


def _discard_output(stream: TextIO) -> None:
    # Point the closed pipe's descriptor at /dev/null so the final flush at exit is quiet.
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def run_headless(
    data: Path,
    keys_source: str,
    *,
    quiet: bool = False,
    now: datetime | None = None,
    serial: SerialLink | None = None,
    serve_seconds: float = 0.0,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Press the script's keys on the terminal in ``data``; return the exit status.

    The streams default to the process's own, looked up at call time.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        keys = read_script(keys_source, stdin or sys.stdin)
    except KeyScriptError as exc:
        print(f"fiscal-sim: {exc}", file=err)
        return EXIT_USAGE
    except (OSError, UnicodeDecodeError) as exc:
        print(f"fiscal-sim: cannot read the key script {keys_source}: {exc}", file=err)
        return EXIT_USAGE
    try:
        session = Session.start(DataDir(data), now=now, serial=serial)
    except (DataDirError, BootError) as exc:
        print(f"fiscal-sim: the terminal cannot start: {exc.code}: {exc.message}", file=err)
        return EXIT_FAILED

    transcript = Transcript(out, quiet)
    with session:
        transcript.say(display_row("(boot)", session.display.lines))
        printed = 0
        for key in keys:
            pulses = session.drawer.pulses
            if isinstance(session.terminal_clock, ScriptClock):
                session.terminal_clock.tick()
            try:
                receipts = session.press(key)
            except OSError as exc:
                print(f"fiscal-sim: cannot save a receipt: {exc}", file=err)
                return EXIT_FAILED
            transcript.say(display_row(key, session.display.lines))
            for receipt in receipts:
                transcript.say(f"{'':<{KEY_COLUMN}} printed {receipt.txt_path}")
            if session.drawer.pulses != pulses:
                transcript.say(f"{'':<{KEY_COLUMN}} drawer opened")
            printed += len(receipts)
        plural = "" if printed == 1 else "s"
        transcript.say(f"{len(keys)} keys pressed, {printed} receipt{plural} printed")
        if serial is not None and serve_seconds > 0:
            transcript.say(f"serving the inspection link for {serve_seconds:g} s")
            session.serve(serve_seconds)
    return EXIT_OK
