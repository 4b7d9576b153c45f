"""Byte-exact test vectors: the core must keep producing tests/vectors/*.json."""

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fiscal_core.ed25519 import b64url, b64url_decode
from tests.vectors.make_vectors import scenario, vector

VECTORS = Path(__file__).parent.parent / "vectors"
NAMES = ["jet_first", "ticket_first", "ticket_chained", "jet_chained"]


def load(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((VECTORS / f"{name}.json").read_text())
    return data


@pytest.mark.parametrize("name", NAMES)
def test_core_reproduces_vector(name: str) -> None:
    produced = dict(scenario())[name]
    expected = load(name)
    assert vector(produced) == {k: expected[k] for k in vector(produced)}


@pytest.mark.parametrize("name", NAMES)
def test_vector_signature_verifies_with_an_independent_library(name: str) -> None:
    v = load(name)
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(v["public_key_hex"])))
    key.verify(b64url_decode(str(v["signature_b64url"])), str(v["data_to_sign"]).encode())


@pytest.mark.parametrize("name", NAMES)
def test_digest_field_covers_the_stored_record(name: str) -> None:
    v = load(name)
    record = bytes.fromhex(str(v["record_cbor_hex"]))
    # The stored record is a 10-array; its first 9 fields re-encoded as a 9-array
    # are what the digest covers: header byte 0x8a -> 0x89, signature (66 bytes) dropped.
    assert record[0] == 0x8A and record[-66:-64] == b"\x58\x40"
    unsigned = b"\x89" + record[1:-66]
    digest = b64url(hashlib.sha256(unsigned).digest())
    assert str(v["data_to_sign"]).split(",")[-3] == digest


def test_ticket_vector_fields_by_hand() -> None:
    fields = str(load("ticket_first")["data_to_sign"]).split(",")
    # 2 x 1,20 + 4,50 at 5.5 % = 6,90; 6,95 at 20 %; total 13,85; 10:01:00 UTC.
    assert fields[:5] == ["2000:695|0550:690", "1385", "20251125100100", "1", "VENTE"]
    assert fields[-2:] == ["N", ""]
    chained = str(load("ticket_chained")["data_to_sign"]).split(",")
    assert chained[:5] == ["1000:550", "550", "20251125100200", "2", "VENTE"]
    assert chained[-2:] == ["O", load("ticket_first")["signature_b64url"]]


def test_jet_vector_escapes_free_text() -> None:
    text = str(load("jet_first")["data_to_sign"])
    assert text.startswith("1,80,demarrage\\, test,20251125100000,0,TEST-0001,")
