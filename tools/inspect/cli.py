"""``fiscal-inspect``: the tax inspector's tool (exit 0 intact, 1 findings, 2 unusable input).

Subcommands (argparse sub-parsers, one function each):

- ``verify PATH`` checks a flash image (a file, or a simulator data
  directory holding ``flash.img``) and prints a report in French, or JSON
  with ``--json``.
- ``dump -p PORT -o DIR`` copies a terminal's fiscal memory over its serial
  link; ``devs`` lists the serial ports (``tools/inspect/dump.py``).
"""

from __future__ import annotations

import argparse
import binascii
import json
import sys
from base64 import urlsafe_b64decode
from pathlib import Path

from tools.inspect.dump import add_commands as add_dump_commands
from tools.inspect.image import DEFAULT_BLOCK_SIZE, ImageError, load_image
from tools.inspect.model import PUBLIC_KEY_BYTES
from tools.inspect.report import render_json, render_text
from tools.inspect.verify import verify

EXIT_INTACT = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv[1:]); return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        return EXIT_UNUSABLE
    code: int = args.run(args)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fiscal-inspect",
        description="Outil de contrôle du journal fiscal (NF525) d'un terminal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE")
    check = commands.add_parser(
        "verify",
        help="vérifier l'intégrité d'une image de la mémoire fiscale",
        description="Vérifie chaque enregistrement : trames, encodage, numérotation, "
        "signatures, grands totaux, périodes et clôtures recalculées. "
        "Code de sortie : 0 intact, 1 anomalies, 2 image illisible.",
    )
    check.add_argument("path", type=Path, metavar="CHEMIN", help="image flash ou répertoire")
    check.add_argument("--json", action="store_true", help="rapport en JSON")
    check.add_argument(
        "--block-size",
        type=_positive,
        default=DEFAULT_BLOCK_SIZE,
        metavar="N",
        help=f"taille d'un bloc de la flash en octets (défaut {DEFAULT_BLOCK_SIZE})",
    )
    check.add_argument(
        "--public-key",
        type=_public_key,
        metavar="CLÉ",
        help="clé publique attendue du terminal (base64url ou hexadécimal), "
        "connue par ailleurs que par l'image",
    )
    check.add_argument(
        "--jobs", type=_positive, metavar="N", help="fils de vérification des signatures"
    )
    check.set_defaults(run=_verify)
    add_dump_commands(commands)
    return parser


def _verify(args: argparse.Namespace) -> int:
    try:
        contents = load_image(args.path, args.block_size)
        report = verify(contents, expected_key=args.public_key, workers=args.jobs)
    except ImageError as exc:
        print(f"fiscal-inspect : image illisible : {exc}", file=sys.stderr)
        if args.json:
            print(json.dumps({"intact": False, "error": str(exc)}, ensure_ascii=False))
        return EXIT_UNUSABLE
    print(render_json(report) if args.json else render_text(report))
    return EXIT_INTACT if report.intact else EXIT_FINDINGS


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"entier attendu : {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"entier positif attendu : {text!r}")
    return value


def _public_key(text: str) -> bytes:
    try:
        if len(text) == 2 * PUBLIC_KEY_BYTES:
            key = bytes.fromhex(text)
        else:
            key = urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise argparse.ArgumentTypeError("clé publique illisible") from None
    if len(key) != PUBLIC_KEY_BYTES:
        raise argparse.ArgumentTypeError(f"une clé publique fait {PUBLIC_KEY_BYTES} octets")
    return key
