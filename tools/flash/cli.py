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
from tools.flash.image import ImageError, image_info


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "image-info":
        return _image_info(args.image, args.block_size, args.json)
    if args.command == "check-config":
        return _check_config(args.config)
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
