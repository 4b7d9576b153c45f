"""Provisioning: a blank flash becomes a terminal's fiscal memory, once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.config import TerminalConfig
from firmware.journal import Journal
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.identity import Identity

if TYPE_CHECKING:
    from hal.ports import Flash


def provision(flash: Flash, config: TerminalConfig, signer: Ed25519Signer) -> Journal:
    """Format ``flash`` and write the identity (terminal id and public key).

    Everything on ``flash`` is lost: only for a new terminal or a blank image.
    Raises ConfigError when ``config`` is invalid (then nothing is written).
    """
    config.validate()
    return Journal.create(flash, Identity(config.terminal_id, signer.public_key).encode())
