"""``fiscal-sim``: the desktop simulator, in a terminal window or headless from a key script."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from firmware.version import SOFTWARE_NAME, SOFTWARE_VERSION
from hal.ports import SerialLink
from hal.serial.pty_link import PtyLink
from hal.serial.pyserial_link import PySerialLink
from simulator.datadir import DEFAULT_DATA_DIR


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fiscal-sim",
        description="Simulate the fiscal terminal: its display, keypad, printer and drawer.",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=(
            "data directory: flash.img, terminal.key, optional config.json, receipts/ "
            "(default: %(default)s; made on the first start)"
        ),
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="no window: press the keys of --keys and print a transcript",
    )
    parser.add_argument(
        "--keys",
        metavar="FILE",
        help="keypad script for --headless (key names, '#' comments; '-' reads stdin)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="with --headless: no transcript on stdout"
    )
    parser.add_argument(
        "--serial",
        metavar="PORT",
        help=(
            "serve the inspection link: 'pty' makes a pseudo-terminal and prints its path "
            "for fiscal-inspect -p; or a device path / pyserial URL"
        ),
    )
    parser.add_argument(
        "--serve",
        metavar="SECONDS",
        type=float,
        default=0.0,
        help="with --headless --serial: keep serving the link this long after the keys",
    )
    parser.add_argument(
        "--now",
        metavar="YYYY-MM-DDTHH:MM",
        type=datetime.fromisoformat,
        help=(
            "with --headless: simulated local time at the first key, advancing "
            "2 s per key (e.g. a month end); default: the system clock"
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"fiscal-sim {SOFTWARE_NAME} {SOFTWARE_VERSION}",
    )
    return parser


def open_serial(port: str) -> SerialLink:
    """Return the link ``--serial`` names; say on stderr where the inspector connects."""
    if port == "pty":
        link = PtyLink()
        print(f"fiscal-sim: inspection link on {link.path}", file=sys.stderr, flush=True)
        return link
    return PySerialLink(port)


def main(argv: list[str] | None = None) -> int:
    """Run the simulator as ``argv`` asks; return the exit status (2 for a usage error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.headless and args.keys is None:
            parser.error("--headless needs --keys FILE")
        if not args.headless and (args.keys is not None or args.quiet or args.now or args.serve):
            parser.error("--keys, --quiet, --now and --serve go with --headless")
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 2
    data = args.data.expanduser()
    serial = open_serial(args.serial) if args.serial else None
    if args.headless:
        from simulator.headless import run_headless

        return run_headless(
            data, args.keys, quiet=args.quiet, now=args.now, serial=serial, serve_seconds=args.serve
        )
    from simulator.app import SimulatorApp  # Textual is only imported for the window

    app = SimulatorApp(data, serial=serial)
    app.run()
    return 1 if app.startup_error is not None else 0
