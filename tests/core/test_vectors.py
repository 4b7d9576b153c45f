"""Byte-exact test vectors: the core must keep producing tests/vectors/*.json."""

import base64
import hashlib
import json
from pathlib import Path

import nacl.signing
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from fiscal_core.ed25519 import Ed25519Signer, b64url, b64url_decode
from tests.vectors.make_vectors import vectors

VECTORS = Path(__file__).parent.parent / "vectors"
NAMES = sorted(p.stem for p in VECTORS.glob("*.json"))
PRODUCED = vectors()


def load(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((VECTORS / f"{name}.json").read_text())
    return data


def fields(name: str, key: str = "data_to_sign") -> list[str]:
    return str(load(name)[key]).split(",")


def test_every_document_type_has_a_vector() -> None:
    assert {int(str(load(n)["doc_type"])) for n in NAMES} == {1, 3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert set(NAMES) == set(PRODUCED)


@pytest.mark.parametrize("name", NAMES)
def test_core_reproduces_vector(name: str) -> None:
    expected = load(name)
    assert PRODUCED[name] == {k: expected[k] for k in PRODUCED[name]}


@pytest.mark.parametrize("name", NAMES)
def test_vector_signatures_verify_with_an_independent_library(name: str) -> None:
    v = load(name)
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(v["public_key_hex"])))
    key.verify(b64url_decode(str(v["signature_b64url"])), str(v["data_to_sign"]).encode())
    if "gt_data_to_sign" in v:
        key.verify(b64url_decode(str(v["gt_signature_b64url"])), str(v["gt_data_to_sign"]).encode())


@pytest.mark.parametrize("name", NAMES)
def test_digest_field_covers_the_stored_record(name: str) -> None:
    record = bytes.fromhex(str(load(name)["record_cbor_hex"]))
    # The stored record is a 10-array; its first 9 fields re-encoded as a 9-array
    # are what the digest covers: header byte 0x8a -> 0x89, signature (66 bytes) dropped.
    assert record[0] == 0x8A and record[-66:-64] == b"\x58\x40"
    digest = b64url(hashlib.sha256(b"\x89" + record[1:-66]).digest())
    assert fields(name)[-3] == digest


def test_ticket_fields_by_hand() -> None:
    # 2 x 1,20 + 4,50 at 5.5 % = 6,90; 6,95 at 20 %; total 13,85; 10:02 in Paris = 09:02 UTC.
    assert fields("ticket_first")[:5] == [
        "2000:695|0550:690",
        "1385",
        "20251231090200",
        "1",
        "VENTE",
    ]
    assert fields("ticket_first")[-2:] == ["N", ""]
    assert fields("ticket_chained")[:5] == ["1000:550", "550", "20251231090300", "2", "VENTE"]
    assert fields("ticket_chained")[-2:] == ["O", load("ticket_first")["signature_b64url"]]
    assert fields("ticket_return")[:5] == ["0550:-120", "-120", "20251231090400", "3", "RETOUR"]


def test_grand_total_ticket_chain_by_hand() -> None:
    assert fields("ticket_first", "gt_data_to_sign") == [
        "2000:695|0550:690",
        "1385",
        "1385",
        "20251231090200",
        "1",
        "N",
        "",
    ]
    gt2 = fields("ticket_chained", "gt_data_to_sign")
    assert gt2[:3] == ["1000:550", "550", "1935"]
    assert gt2[-1] == load("ticket_first")["gt_signature_b64url"]
    assert fields("ticket_return", "gt_data_to_sign")[2] == "1815"


def test_closure_fields_by_hand() -> None:
    # 13,85 + 5,50 - 1,20 = 18,15; the training ticket counts nowhere.
    for name in ("closure_day_first", "closure_month_first", "closure_year_first"):
        assert fields(name)[:3] == ["2000:695|1000:550|0550:570", "1815", "1815"]
        assert fields(name)[-2:] == ["N", ""]


def test_duplicate_and_invoice_fields_by_hand() -> None:
    assert fields("duplicate_first")[:6] == ["1", "TICKET", "1", "1", "20251231090500", "1"]
    assert fields("invoice_first")[:8] == [
        "1000:550",
        "550",
        "20251231090600",
        "1",
        "FACTURE",
        "SARL Dupont\\",
        " traiteur",
        "75002",
    ]  # the comma in the name is escaped: "SARL Dupont\, traiteur"


def test_jet_vector_escapes_free_text() -> None:
    text = str(load("jet_first")["data_to_sign"])
    assert text.startswith("1,80,demarrage\\, test,20251231090000,0,TEST-0001,")
    assert fields("jet_float")[:2] == ["2", "171"]


def test_archive_fields_by_hand() -> None:
    assert fields("archive_first")[:5] == [
        "2000:695|1000:550|0550:570",
        "1815",
        "20251231091300",
        "TEST-0001",
        "EXERCICE",
    ]


def test_note_fields_by_hand() -> None:
    # 2 sandwiches 11,00 + 2 coffees 3,60 at 10 %, shared by 3 persons.
    assert fields("note_first")[:5] == ["1000:1460", "1460", "20260101090100", "1", "3"]


@given(st.binary(max_size=100))
def test_b64url_is_base64url_without_padding(data: bytes) -> None:
    assert b64url(data) == base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
    assert b64url_decode(b64url(data)) == data


@given(st.binary(min_size=32, max_size=32), st.binary(max_size=600))
def test_signer_signs_as_pynacl_public_api(seed: bytes, message: bytes) -> None:
    # The signer calls libsodium's crypto_sign binding (fiscal_core/ed25519.py).
    expected = nacl.signing.SigningKey(seed).sign(message).signature
    assert Ed25519Signer(seed).sign(message) == expected
