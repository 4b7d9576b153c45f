"""``fiscal-inspect dump`` and ``devs`` from the command line (docs/LINK.md §6).

``add_commands`` adds both to fiscal-inspect's parser: ``dump -p PORT [-b
BAUD] -o DIR [--from N] [--nonce HEX] [--timeout S]`` (the port and baud
rate also from ``$FISCAL_INSPECT_PORT`` and ``$FISCAL_INSPECT_BAUD``, as
esptool and mpremote do) and ``devs``, which lists the serial ports with
their USB ids. The copy itself is ``tools/inspect/dump.py``'s.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from firmware.link.errors import LinkError
from firmware.link.messages import NONCE_MAX, NONCE_MIN
from tools.inspect.dump import (
    BAUD_ENV,
    EXIT_DONE,
    EXIT_FAILED,
    EXIT_FINDINGS,
    PORT_ENV,
    dump,
)
from tools.inspect.dump_journal import DumpError, read_stored
from tools.inspect.dump_sync import SyncFailed
from tools.inspect.dumpdir import sync_failed
from tools.inspect.link_client import DEFAULT_BAUD, DEFAULT_TIMEOUT_S, LinkClient, open_port


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dump`` and ``devs`` subcommands to fiscal-inspect's parser."""
    copy = commands.add_parser(
        "dump",
        help="copier la mémoire fiscale d'un terminal par sa liaison série",
        description="Copie l'identité, tout le journal, la déclaration de tête et les archives "
        "du terminal dans RÉP (lecture seule). Code de sortie : 0 copie complète, "
        "1 copie complète avec anomalies, 2 copie impossible ou interrompue.",
    )
    copy.add_argument(
        "-p",
        "--port",
        default=os.environ.get(PORT_ENV),
        help=f"port série : chemin ou URL pyserial (défaut : ${PORT_ENV})",
    )
    copy.add_argument(
        "-b",
        "--baud",
        type=_baud,
        default=os.environ.get(BAUD_ENV, str(DEFAULT_BAUD)),
        help=f"débit en bauds (défaut ${BAUD_ENV}, sinon {DEFAULT_BAUD})",
    )
    copy.add_argument(
        "-o", "--output", type=Path, required=True, metavar="RÉP", help="répertoire de la copie"
    )
    copy.add_argument(
        "--from",
        dest="from_seq",
        type=int,
        metavar="N",
        help="reprendre une copie interrompue à l'enregistrement N",
    )
    copy.add_argument("--nonce", type=_nonce, help="aléa de la déclaration de tête (hexadécimal)")
    copy.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"silence de la ligne (aucun octet reçu) au bout duquel une demande est "
        f"renvoyée, en secondes (défaut {DEFAULT_TIMEOUT_S:g}) ; une réponse peut durer "
        "bien plus longtemps",
    )
    copy.set_defaults(run=run_dump)
    devs = commands.add_parser("devs", help="lister les ports série (identifiants USB VID:PID)")
    devs.set_defaults(run=run_devs)


def run_dump(args: argparse.Namespace) -> int:
    """Run ``fiscal-inspect dump``; return the exit code."""
    if not args.port:
        print(f"fiscal-inspect : port série absent : -p PORT ou ${PORT_ENV}", file=sys.stderr)
        return EXIT_FAILED
    nonce = args.nonce or secrets.token_bytes(32)
    client: LinkClient | None = None
    try:
        client = LinkClient(open_port(args.port, args.baud, args.timeout), timeout_s=args.timeout)
        outcome = dump(client, args.output, args.from_seq, nonce, sys.stdout)
    except (LinkError, DumpError, OSError) as exc:
        code = f" [{exc.code}]" if isinstance(exc, LinkError) else ""
        print(f"fiscal-inspect : copie impossible ou interrompue : {exc}{code}", file=sys.stderr)
        _hint(args, exc)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nfiscal-inspect : copie interrompue", file=sys.stderr)
        _hint(args, None)
        return EXIT_FAILED
    finally:
        if client is not None:
            client.close()
    print(f"Copie : enregistrements {outcome.first} à {outcome.last} dans {args.output}")
    head = f"{len(outcome.statement)} octets" if outcome.statement else "absente"
    print(f"Déclaration de tête : {head}")
    print(f"Archives : {len(outcome.archives)}")
    for finding in outcome.findings:
        print(f"anomalie : {finding}")
    return EXIT_FINDINGS if outcome.findings else EXIT_DONE


def _hint(args: argparse.Namespace, exc: BaseException | None) -> None:
    """Print what to do next: resume with ``--from``, or (a sync failed) copy again elsewhere."""
    if isinstance(exc, SyncFailed) or sync_failed(args.output):
        print(
            "refaire la copie dans un autre répertoire : "
            f"fiscal-inspect dump -p {args.port} -o AUTRE_RÉPERTOIRE",
            file=sys.stderr,
        )
        return
    try:
        stored = read_stored(args.output)
    except (DumpError, OSError):
        return
    if stored.found:  # records, or only the torn start of the first: --from cuts what is torn
        print(
            f"reprendre avec : fiscal-inspect dump -p {args.port} -o {args.output} "
            f"--from {stored.count + 1}",
            file=sys.stderr,
        )


def run_devs(args: argparse.Namespace) -> int:
    """List serial ports as mpremote does: device, serial number, VID:PID, maker, product."""
    from serial.tools import list_ports

    ports = sorted(list_ports.comports(), key=lambda p: str(p.device))
    for p in ports:
        ids = f"{p.vid:04x}:{p.pid:04x}" if p.vid is not None and p.pid is not None else "0000:0000"
        print(
            f"{p.device} {p.serial_number or 'None'} {ids} {p.manufacturer or 'None'} "
            f"{p.product or p.description or 'None'}"
        )
    if not ports:
        print("aucun port série trouvé", file=sys.stderr)
    return EXIT_DONE


def _baud(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"débit invalide : {text!r}")
    return int(text)


def _nonce(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise argparse.ArgumentTypeError("aléa hexadécimal attendu") from None
    if not NONCE_MIN <= len(value) <= NONCE_MAX:
        raise argparse.ArgumentTypeError(f"l'aléa fait {NONCE_MIN} à {NONCE_MAX} octets")
    return value
