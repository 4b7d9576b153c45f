"""fiscal-inspect dump and devs, from the command line, against a terminal served on a real pty."""

from __future__ import annotations

import errno
import io
import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from firmware.link.messages import Identification, StoredSegments
from tests.link.doubles import segments_of, serve_segments
from tests.link.terminal import JournalSource, PtyTerminal, Till
from tools.inspect import dump_sync
from tools.inspect.cli import main
from tools.inspect.dump_journal import read_stored

NONCE = "ab" * 32
SALES = 40
RECORDS = SALES + 3


@pytest.fixture(scope="module")
def till(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Till]:
    till = Till(tmp_path_factory.mktemp("terminal") / "flash.img")
    till.sell(SALES)
    yield till
    till.close()


@pytest.fixture
def terminal(till: Till) -> Iterator[PtyTerminal]:
    with PtyTerminal(JournalSource(till.journal)) as term:
        yield term


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def dump_args(term: PtyTerminal, out: Path, *more: str) -> list[str]:
    return ["dump", "-p", term.path, "-o", str(out), "--nonce", NONCE, "--timeout", "1", *more]


def files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != "dump.json"
    }


def test_dump_prints_plain_lines_when_not_on_a_terminal(
    capsys: pytest.CaptureFixture[str], terminal: PtyTerminal, tmp_path: Path
) -> None:
    code, out, err = run(capsys, *dump_args(terminal, tmp_path / "copy"))
    assert (code, err) == (0, "")
    assert "\r" not in out
    assert f"enregistrements : {RECORDS}/{RECORDS} (100%)" in out
    assert f"Copie : enregistrements 1 à {RECORDS} dans {tmp_path / 'copy'}" in out
    assert "Archives : 2" in out
    names = set(files(tmp_path / "copy"))
    assert names == {
        "identity.cbor", "head.bin", "head.nonce", "journal/segments.bin", "journal/segments.idx",
        "archives/2025-10.zip", "archives/2025-11.zip",
    }  # fmt: skip
    assert (tmp_path / "copy" / "head.nonce").read_bytes() == bytes.fromhex(NONCE)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_dump_shows_a_progress_bar_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, terminal: PtyTerminal, tmp_path: Path
) -> None:
    screen = Tty()
    monkeypatch.setattr("sys.stdout", screen)
    assert main(dump_args(terminal, tmp_path / "copy")) == 0
    assert f"\r  [{'#' * 30}] {RECORDS}/{RECORDS} enregistrements" in screen.getvalue()


def test_port_and_baud_from_the_environment(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    terminal: PtyTerminal,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("FISCAL_INSPECT_PORT", terminal.path)
    monkeypatch.setenv("FISCAL_INSPECT_BAUD", "921600")
    assert run(capsys, "dump", "-o", str(tmp_path / "copy"), "--nonce", NONCE)[0] == 0
    monkeypatch.delenv("FISCAL_INSPECT_PORT")
    code, _, err = run(capsys, "dump", "-o", str(tmp_path / "other"))
    assert code == 2 and "port série absent : -p PORT ou $FISCAL_INSPECT_PORT" in err
    monkeypatch.setenv("FISCAL_INSPECT_BAUD", "fast")
    with pytest.raises(SystemExit):
        main(["dump", "-p", terminal.path, "-o", str(tmp_path / "other")])


def test_a_port_that_does_not_open(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "dump", "-p", str(tmp_path / "ttyNONE"), "-o", str(tmp_path / "c"))
    assert code == 2 and "impossible d'ouvrir" in err and "[PORT_UNAVAILABLE]" in err


def test_a_stalled_terminal(capsys: pytest.CaptureFixture[str], till: Till, tmp_path: Path) -> None:
    with PtyTerminal(JournalSource(till.journal), stalled=True) as term:
        args = dump_args(term, tmp_path / "copy")
        code, _, err = run(capsys, *args[:-1], "0.1")
    assert code == 2 and "[NO_ANSWER]" in err and "pas de réponse du terminal" in err


def cut(copy: Path, keep: int) -> None:
    """Leave only the first ``keep`` records of a copy, and a torn frame after them."""
    segment = copy / "journal" / "segments.bin"  # one segment: the rest of the file
    data, offset = segment.read_bytes(), 0
    for _ in range(keep):
        offset += struct.unpack_from(">H", data, offset)[0] + 6
    segment.write_bytes(data[: offset + 40])
    for name in ("head.bin", "head.nonce"):
        (copy / name).unlink()
    shutil.rmtree(copy / "archives")


def test_an_interrupted_copy_is_resumed_to_the_same_copy(
    capsys: pytest.CaptureFixture[str], terminal: PtyTerminal, tmp_path: Path
) -> None:
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert run(capsys, *dump_args(terminal, whole))[0] == 0
    shutil.copytree(whole, part)
    cut(part, 17)
    code, _, err = run(capsys, *dump_args(terminal, part))
    assert code == 2 and "reprendre avec --from 18" in err
    assert f"reprendre avec : fiscal-inspect dump -p {terminal.path} -o {part} --from 18" in err
    code, _, err = run(capsys, *dump_args(terminal, part, "--from", "5"))
    assert code == 2 and "ne peut reprendre qu'avec --from 18" in err
    code, out, err = run(capsys, *dump_args(terminal, part, "--from", "18"))
    assert (code, err) == (0, "")
    assert f"Copie : enregistrements 18 à {RECORDS}" in out
    assert files(part) == files(whole)
    assert '"from_seq": 18' in (part / "dump.json").read_text()


def test_a_copy_interrupted_in_its_first_frame_is_resumed_from_1_never_appended_to(
    capsys: pytest.CaptureFixture[str], terminal: PtyTerminal, tmp_path: Path
) -> None:
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert run(capsys, *dump_args(terminal, whole))[0] == 0
    shutil.copytree(whole, part)
    cut(part, 0)  # no whole record: only the torn start of the first frame
    torn = files(part)
    code, _, err = run(capsys, *dump_args(terminal, part))
    assert code == 2 and "contient déjà un début de copie : reprendre avec --from 1" in err
    assert f"reprendre avec : fiscal-inspect dump -p {terminal.path} -o {part} --from 1" in err
    assert files(part) == torn  # refused: nothing appended after the torn bytes
    code, out, err = run(capsys, *dump_args(terminal, part, "--from", "1"))
    assert (code, err) == (0, "")
    assert f"Copie : enregistrements 1 à {RECORDS}" in out
    assert files(part) == files(whole)


def test_a_failed_sync_is_said_and_the_copy_made_again_elsewhere_not_resumed(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    terminal: PtyTerminal,
    tmp_path: Path,
) -> None:
    copy, again = tmp_path / "copy", tmp_path / "again"
    real = dump_sync._datasync

    def failing(fd: int) -> None:
        if Path(os.readlink(f"/proc/self/fd/{fd}")).name == "head.nonce.part":
            raise OSError(errno.EIO, "Input/output error")
        real(fd)

    monkeypatch.setattr(dump_sync, "_datasync", failing)
    code, out, err = run(capsys, *dump_args(terminal, copy))
    assert code == 2 and "Copie :" not in out
    assert (
        "copie impossible ou interrompue : écriture sur disque échouée (head.nonce : "
        "Input/output error) ; cette copie n'est pas sûre et ne se reprend pas" in err
    )
    redo = f"refaire la copie dans un autre répertoire : fiscal-inspect dump -p {terminal.path} "
    assert redo in err and "--from" not in err
    monkeypatch.setattr(dump_sync, "_datasync", real)
    resume = str(read_stored(copy).count + 1)
    code, _, err = run(capsys, *dump_args(terminal, copy, "--from", resume))
    assert code == 2 and "cette copie ne se reprend pas" in err and redo in err
    assert not (copy / "head.nonce").exists()
    code, out, err = run(capsys, *dump_args(terminal, again))
    assert (code, err) == (0, "")
    assert (again / "head.nonce").read_bytes() == bytes.fromhex(NONCE)


def test_a_copy_of_another_journal_is_not_continued(
    capsys: pytest.CaptureFixture[str], terminal: PtyTerminal, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    assert run(capsys, *dump_args(terminal, copy))[0] == 0
    cut(copy, 10)
    segment = copy / "journal" / "segments.bin"
    data = segment.read_bytes()[:-40]  # records 1..10, the torn frame cut off
    offset = last = 0
    while offset < len(data):
        last, offset = offset, offset + struct.unpack_from(">H", data, offset)[0] + 6
    record = bytearray(data[last + 2 : -4])
    record[10] ^= 0x01  # the copy's record 10 is not the terminal's
    head = data[last : last + 2]
    segment.write_bytes(data[:last] + head + record + struct.pack(">I", zlib.crc32(head + record)))
    code, _, err = run(capsys, *dump_args(terminal, copy, "--from", "11"))
    assert code == 2 and "l'enregistrement n°10 du terminal diffère de la copie" in err
    (copy / "identity.cbor").write_bytes(b"\x84other")
    code, _, err = run(capsys, *dump_args(terminal, copy, "--from", "11"))
    assert code == 2 and "la copie d'un autre terminal" in err


def test_devs_lists_ports_as_mpremote_does(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = [
        SimpleNamespace(device="/dev/ttyUSB0", serial_number=None, vid=0x0403, pid=0x6001,
                        manufacturer="FTDI", product="FT232R USB UART", description="FT232R"),
        SimpleNamespace(device="/dev/ttyACM0", serial_number="E66138", vid=0x2E8A, pid=0x000A,
                        manufacturer="Raspberry Pi", product=None, description="Pico"),
        SimpleNamespace(device="/dev/ttyS0", serial_number=None, vid=None, pid=None,
                        manufacturer=None, product=None, description="n/a"),
    ]  # fmt: skip
    monkeypatch.setattr("serial.tools.list_ports.comports", lambda: ports)
    code, out, err = run(capsys, "devs")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "/dev/ttyACM0 E66138 2e8a:000a Raspberry Pi Pico",
        "/dev/ttyS0 None 0000:0000 None n/a",
        "/dev/ttyUSB0 None 0403:6001 FTDI FT232R USB UART",
    ]
    monkeypatch.setattr("serial.tools.list_ports.comports", lambda: [])
    assert run(capsys, "devs") == (0, "", "aucun port série trouvé\n")


class Dishonest(JournalSource):
    """A terminal that names itself otherwise than its identity file, and skips a record."""

    def identify(self) -> Identification:
        info = super().identify()
        info.terminal_id = "OTHER-0002"
        return info

    def records(self, from_seq: int, max_count: int) -> list[bytes]:
        shifted = self.cache[:4] + self.cache[5:]
        return shifted[from_seq - 1 : from_seq - 1 + max_count]

    def segments(self, first: int, offset: int, count: int, max_bytes: int) -> StoredSegments:
        shifted = segments_of(self.cache[:4] + self.cache[5:])
        return serve_segments(shifted, first, offset, count, max_bytes)


def test_anomalies_seen_while_copying_are_reported(
    capsys: pytest.CaptureFixture[str], till: Till, tmp_path: Path
) -> None:
    with PtyTerminal(Dishonest(till.journal)) as term:
        code, out, err = run(capsys, *dump_args(term, tmp_path / "copy"))
    assert (code, err) == (1, "")
    assert "anomalie : identifiant ou clé publique annoncés différents du fichier d'identité" in out
    assert "anomalie : enregistrement n°5 : séquence lue 6" in out
    assert f"Copie : enregistrements 1 à {RECORDS - 1}" in out


class Headless(JournalSource):
    """A terminal that cannot make its head statement (not built yet, key unavailable)."""

    def head_statement(self, nonce: bytes) -> bytes:
        raise OSError("no head statement yet")


def test_a_missing_head_statement_is_an_anomaly_not_a_failure(
    capsys: pytest.CaptureFixture[str], till: Till, tmp_path: Path
) -> None:
    with PtyTerminal(Headless(till.journal)) as term:
        code, out, _ = run(capsys, *dump_args(term, tmp_path / "copy"))
    assert code == 1
    assert (
        "anomalie : déclaration de tête indisponible (terminal: SOURCE_FAILED: OSError: no head"
        in out
    )
    assert not (tmp_path / "copy" / "head.bin").exists()
    assert f"Copie : enregistrements 1 à {RECORDS}" in out
