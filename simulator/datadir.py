"""The simulator's data directory: flash image, signing key, configuration, receipts.

Layout of ``DIR``:

- ``flash.img``     the fiscal memory (a FileFlash image, simulator geometry);
- ``terminal.key``  the terminal's 32-byte Ed25519 seed, raw, mode 0600;
- ``counter.bin``   the monotonic counter kept outside the journal (hal/counter/file.py);
- ``config.json``   optional TerminalConfig JSON (absent: the embedded demo);
- ``receipts/``     every printed receipt, as ESC/POS bytes and as text;
- ``usb/``          the USB stick for backups (function 18): plugged in when the folder exists.

Theory of operation. The image and the key belong together: the journal's
identity holds the key's public half. So the first start (neither file
present) makes both, and any other mix is an error: a key is never
generated over an existing journal, and a journal is never started afresh
next to a key whose journal went missing. The first start builds the key
and the provisioned image under temporary names and renames them into place
only when both are complete, so an interrupted first start leaves no half
terminal behind. The configuration is read and checked before anything is
created, so a bad ``config.json`` changes nothing.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from firmware.config import ConfigError, TerminalConfig
from firmware.demo import DEMO_CONFIG
from firmware.provision import provision
from fiscal_core.ed25519 import SEED_BYTES, Ed25519Signer
from hal.counter import CounterError
from hal.counter.file import FileCounter
from hal.flash.file import FileFlash

DEFAULT_DATA_DIR = Path("~/.local/share/fiscal-sim")
FLASH_FILE = "flash.img"
KEY_FILE = "terminal.key"
COUNTER_FILE = "counter.bin"
CONFIG_FILE = "config.json"
RECEIPTS_DIR = "receipts"
USB_DIR = "usb"
KEY_FILE_MODE = 0o600
_NEW_SUFFIX = ".new"


class DataDirError(Exception):
    """The data directory cannot be used as it is; ``code`` is stable, nothing was changed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Opened:
    """What a started data directory hands to the terminal; ``close`` releases the image."""

    config: TerminalConfig
    signer: Ed25519Signer
    flash: FileFlash
    counter: FileCounter
    created: bool  # True on the first start, when the image and key were just made
    _lock_fd: int

    def close(self) -> None:
        """Close the image and the counter, release the lock (idempotent)."""
        self.flash.close()
        self.counter.close()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1


class DataDir:
    """The files of one simulated terminal under ``path``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    @property
    def flash_path(self) -> Path:
        return self.path / FLASH_FILE

    @property
    def key_path(self) -> Path:
        return self.path / KEY_FILE

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def receipts_path(self) -> Path:
        return self.path / RECEIPTS_DIR

    @property
    def usb_path(self) -> Path:
        return self.path / USB_DIR

    def load_config(self) -> TerminalConfig:
        """Return ``config.json``'s configuration, or DEMO_CONFIG when there is none.

        Raises DataDirError("BAD_CONFIG") naming the file and the field.
        """
        try:
            text = self.config_path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return DEMO_CONFIG
        except (OSError, UnicodeDecodeError) as exc:
            raise DataDirError("BAD_CONFIG", f"{self.config_path}: cannot read: {exc}") from None
        try:
            return TerminalConfig.from_json(text)
        except ConfigError as exc:
            raise DataDirError("BAD_CONFIG", f"{self.config_path}: {exc}") from None

    def open(self) -> Opened:
        """Return the configuration, signer and flash; make them on the first start.

        Raises DataDirError when the configuration is invalid, when only one
        of the image and the key exists, when either is unreadable or the
        wrong size, when another simulator holds the image, or when the
        first start cannot write the directory.
        """
        config = self.load_config()
        has_flash = self.flash_path.exists()
        has_key = self.key_path.exists()
        if not has_flash and not has_key:
            try:
                self._create(config)
            except OSError as exc:
                raise DataDirError("CANNOT_CREATE", f"cannot make {self.path}: {exc}") from None
            created = True
        elif has_flash and not has_key:
            raise DataDirError(
                "KEY_MISSING",
                f"{self.key_path} is missing but {self.flash_path} holds a journal: "
                "restore the terminal's key (a new key cannot sign this journal)",
            )
        elif has_key and not has_flash:
            raise DataDirError(
                "FLASH_MISSING",
                f"{self.flash_path} is missing but {self.key_path} exists: restore the "
                "image, or move the key away to start a new terminal",
            )
        else:
            created = False
        signer = self._read_key()
        lock_fd = self._lock()
        try:
            flash = FileFlash.open(self.flash_path)
        except (OSError, ValueError) as exc:
            os.close(lock_fd)
            raise DataDirError("BAD_FLASH", f"cannot open the flash image: {exc}") from None
        try:
            counter = FileCounter.open(self.path / COUNTER_FILE)
        except (OSError, ValueError, CounterError) as exc:
            flash.close()
            os.close(lock_fd)
            raise DataDirError(
                "BAD_COUNTER",
                f"cannot open the monotonic counter {self.path / COUNTER_FILE}: {exc} "
                "(it is the terminal's evidence against a shortened journal: restore it)",
            ) from None
        return Opened(config, signer, flash, counter, created, lock_fd)

    def _read_key(self) -> Ed25519Signer:
        try:
            seed = self.key_path.read_bytes()
        except OSError as exc:
            raise DataDirError("BAD_KEY", f"cannot read {self.key_path}: {exc}") from None
        if len(seed) != SEED_BYTES:
            raise DataDirError(
                "BAD_KEY", f"{self.key_path} holds {len(seed)} bytes, an Ed25519 seed is 32"
            )
        return Ed25519Signer(seed)

    def _lock(self) -> int:
        # One simulator per image: two writers would corrupt the journal.
        fd = os.open(self.flash_path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataDirError(
                "IN_USE", f"{self.flash_path} is in use by another simulator"
            ) from None
        return fd

    def _create(self, config: TerminalConfig) -> None:
        """Make a fresh key and a provisioned image, then rename both into place."""
        self.path.mkdir(parents=True, exist_ok=True)
        signer = Ed25519Signer.generate()
        new_key = self.key_path.with_name(KEY_FILE + _NEW_SUFFIX)
        new_flash = self.flash_path.with_name(FLASH_FILE + _NEW_SUFFIX)
        _write_private(new_key, signer.seed)
        new_flash.unlink(missing_ok=True)
        with FileFlash.open(new_flash, create=True) as flash:
            provision(flash, config, signer)
            flash.sync()
        new_counter = self.path / (COUNTER_FILE + _NEW_SUFFIX)
        new_counter.unlink(missing_ok=True)
        FileCounter.open(new_counter, create=True).close()  # at 0, like the empty journal
        os.replace(new_counter, self.path / COUNTER_FILE)
        os.replace(new_key, self.key_path)
        os.replace(new_flash, self.flash_path)
        _fsync_dir(self.path)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KEY_FILE_MODE)
    try:
        os.fchmod(fd, KEY_FILE_MODE)  # O_CREAT's mode does not apply to an existing file
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
