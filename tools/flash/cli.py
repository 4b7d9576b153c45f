"""fiscal-flash: the technician's tool (image inspection, configuration, provisioning).

Conventions of esptool / mpremote: kebab-case subcommands, ``--json`` for
machines, exit 0 on success, 1 when the subject is bad (invalid image or
configuration), 2 on usage errors or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from firmware.config import ConfigError, TerminalConfig
from firmware.demo import DEMO_CONFIG
from tools.flash.backup import BackupToolError, backup, restore
from tools.flash.image import ImageError, image_info
from tools.flash.release import ReleaseError, release_alarm


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fiscal-flash", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("image-info", help="show what a flash image holds (read-only)")
    info.add_argument("image", type=Path, help="a flash image or a simulator data directory")
    info.add_argument("--block-size", type=int, default=4096)
    info.add_argument("--json", action="store_true", help="machine-readable output")
    check = sub.add_parser("check-config", help="validate a terminal configuration file")
    check.add_argument("config", type=Path)
    sub.add_parser("default-config", help="print the embedded demo configuration as JSON")
    release = sub.add_parser(
        "release-alarm", help="release a terminal's integrity alarm (journaled, JET 91)"
    )
    release.add_argument("--data", type=Path, required=True, help="the terminal's data directory")
    release.add_argument("--technician", required=True, help="who releases it")
    release.add_argument("--reason", required=True, help="what was found and done")
    save = sub.add_parser("backup", help="back the fiscal memory up to a file (journaled, JET 940)")
    save.add_argument("--data", type=Path, required=True, help="the terminal's data directory")
    save.add_argument("--out", type=Path, help="the backup file (default: its name, here)")
    back = sub.add_parser(
        "restore", help="restore a backup: every check first; journaled (JET 942, refused: 941)"
    )
    back.add_argument("--data", type=Path, required=True, help="the terminal's data directory")
    back.add_argument("--backup", type=Path, required=True, help="the backup file")
    back.add_argument(
        "--new-flash",
        action="store_true",
        help="the flash was replaced: provision a blank flash.img with the terminal's key first",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "image-info":
        return _image_info(args.image, args.block_size, args.json)
    if args.command == "check-config":
        return _check_config(args.config)
    if args.command == "release-alarm":
        try:
            print(release_alarm(args.data, args.technician, args.reason))
        except ReleaseError as exc:
            print(f"fiscal-flash: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command in ("backup", "restore"):
        try:
            if args.command == "backup":
                print(backup(args.data, args.out))
            else:
                print(restore(args.data, args.backup, new_flash=args.new_flash))
        except BackupToolError as exc:
            print(f"fiscal-flash: {exc}", file=sys.stderr)
            return 1
        return 0
    print(DEMO_CONFIG.to_json())
    return 0


def _image_info(image: Path, block_size: int, as_json: bool) -> int:
    try:
        info = image_info(image, block_size)
    except ImageError as exc:
        print(f"fiscal-flash: {exc}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>16}: {value}")
    return 0


def _check_config(path: Path) -> int:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"fiscal-flash: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        config = TerminalConfig.from_json(text)
    except ConfigError as exc:
        print(f"fiscal-flash: {path}: {exc}", file=sys.stderr)
        return 1
    print(f"{path}: valid configuration for terminal {config.terminal_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
