"""The fiscal archive (firmware/archive.py): an open zip of CSV that anyone can check outside.

Records: the vector scenario (every document type, fixed key). Checks: the standard library,
the committed vectors and ``cryptography`` (not the terminal's pynacl), as an inspector would.
"""

import csv
import dataclasses
import hashlib
import io
import json
import zipfile
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from firmware import archive
from firmware.archive import ARCHIVE_FILES, SIGNED_FIELDS, archive_digest, read_manifest
from firmware.archive_csv import COLUMNS
from firmware.demo import DEMO_CONFIG
from fiscal_core import codes
from fiscal_core.documents import ArchiveBody
from fiscal_core.ed25519 import Ed25519Signer, b64url, b64url_decode
from fiscal_core.events import JetBody
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger
from fiscal_core.records import Line, Payment, Record, TicketBody
from tests.vectors.make_vectors import SEED, T0, scenario

ROOT = Path(__file__).parents[2]
VECTOR_FILES = sorted((ROOT / "tests" / "vectors").glob("*.json"))
VECTORS = {int(v["seq"]): v for v in (json.loads(p.read_text()) for p in VECTOR_FILES)}
SCENARIO = scenario()
RECORDS = [sealed.record for _, sealed in SCENARIO]
IDENTITY = Identity("TEST-0001", Ed25519Signer(SEED).public_key)
CONFIG = dataclasses.replace(DEMO_CONFIG, terminal_id="TEST-0001")
CREATED = T0 + 3 * 3600  # 2025-12-31 12:00 UTC, 13:00 in Paris
KEY = Ed25519PublicKey.from_public_bytes(IDENTITY.public_key)


def build(records: list[Record] = RECORDS, **overrides: Any) -> bytes:
    args = {"identity": IDENTITY, "config": CONFIG, "created_utc": CREATED, "created_offset": 60}
    return archive.build_archive(records, **{**args, "label": "2025-12-31", **overrides})


def of_type(*doc_types: int, records: list[Record] = RECORDS) -> list[Record]:
    return [r for r in records if r.doc_type in doc_types]


ARCHIVE = build()
MANIFEST = read_manifest(ARCHIVE)


def archive_record() -> Record:
    """The ARCHIVE record signing ARCHIVE's digest, sealed after the scenario."""
    ledger = Ledger("TEST-0001", Ed25519Signer(SEED))
    for _, sealed in SCENARIO:
        ledger.accept(sealed)
    closure = of_type(codes.DOC_GT_PERIOD)[0]  # the scenario archives the fiscal year only
    at = {"time_utc": RECORDS[-1].time_utc + 60, "utc_offset": 60, "operator_id": 1}
    digest = archive_digest(ARCHIVE)
    return ledger.seal_archive(**at, closure=closure, file_name="z.zip", file_digest=digest).record


LATER_RECORDS = [*RECORDS, archive_record()]
LATER = build(LATER_RECORDS, label="2025-12")  # the next archive: it lists the first one


def table(name: str, data: bytes = ARCHIVE) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        text = zf.read(name).decode("utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    rows = list(reader)
    assert reader.fieldnames == [column for column, _ in COLUMNS[name]]
    assert all(None not in row and None not in row.values() for row in rows)
    return rows


def signed_fields(text: str) -> list[str]:
    """Split a data-to-sign text on its unescaped commas, unescaping ``\\,`` and ``\\\\``."""
    fields, chars = [""], iter(text)
    for char in chars:
        if char == ",":
            fields.append("")
        else:
            fields[-1] += next(chars) if char == "\\" else char
    return fields


def test_zip_opens_with_the_standard_library_is_dated_and_deterministic() -> None:
    assert build() == ARCHIVE and archive_digest(ARCHIVE) == hashlib.sha256(ARCHIVE).digest()
    assert build(created_utc=CREATED + 60) != ARCHIVE
    with zipfile.ZipFile(io.BytesIO(ARCHIVE)) as zf:
        assert zf.testzip() is None and zf.namelist() == sorted(ARCHIVE_FILES)
        stamps = {(info.compress_type, info.date_time) for info in zf.infolist()}
        assert stamps == {(zipfile.ZIP_DEFLATED, (2025, 12, 31, 13, 0, 0))}
        readme = zf.read("LISEZMOI.txt").decode("utf-8")
    assert "2025-12-31T13:00:00+01:00" in readme and IDENTITY.public_key.hex() in readme
    assert MANIFEST["archive"]["date_creation_locale"] == "2025-12-31T13:00:00+01:00"
    assert MANIFEST["archive"]["date_creation_utc"] == "2025-12-31T12:00:00Z"


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_every_csv_parses_with_its_documented_columns(name: str) -> None:
    rows = table(name, LATER)
    guide = (ROOT / "docs" / "ARCHIVE.md").read_text(encoding="utf-8")
    assert all(f"`{column}`" in guide for column, _ in COLUMNS[name]), "docs/ARCHIVE.md"
    assert list(MANIFEST["colonnes"][name]) == [column for column, _ in COLUMNS[name]]
    assert all(meaning for meaning in MANIFEST["colonnes"][name].values())
    assert rows, f"{name} is empty on the scenario"


def test_row_counts_match_the_records() -> None:
    tickets = [r.body for r in of_type(codes.DOC_TICKET, codes.DOC_TRAINING)]
    bodies = [b for b in tickets if isinstance(b, TicketBody)]
    assert len(table("tickets.csv")) == len(bodies) == 4
    assert len(table("lines.csv")) == sum(len(b.lines) for b in bodies)
    assert len(table("payments.csv")) == sum(len(b.payments) for b in bodies)
    assert len(table("vat.csv")) == sum(len({line.vat_rate for line in b.lines}) for b in bodies)
    for name, doc_types in (
        ("closures.csv", codes.CLOSURE_TYPES),
        ("invoices.csv", (codes.DOC_INVOICE,)),
        ("duplicates.csv", (codes.DOC_DUPLICATE,)),
        ("jet.csv", (codes.DOC_JET,)),
        ("archives.csv", (codes.DOC_ARCHIVE,)),
    ):
        assert len(table(name, LATER)) == len(of_type(*doc_types, records=LATER_RECORDS)) > 0
    assert [int(r["seq"]) for r in table("records.csv")] == [r.seq for r in RECORDS]


def test_the_cash_float_of_the_period_is_archived_with_its_amount() -> None:
    """6.5.2.1: the float's execution data (date, number, operator, amount) are archived."""
    jets = [(r, r.body) for r in of_type(codes.DOC_JET) if isinstance(r.body, JetBody)]
    floats = [(r, body) for r, body in jets if body.code == codes.JET_CASH_FLOAT]
    rows = [row for row in table("jet.csv") if row["code"] == str(codes.JET_CASH_FLOAT)]
    assert floats and len(rows) == len(floats)
    for row, (record, body) in zip(rows, floats, strict=True):
        assert int(row["montant_centimes"]) == body.amount > 0
        assert int(row["seq"]) == record.seq


def test_manifest_identifies_terminal_key_and_signed_fields() -> None:
    m = MANIFEST
    assert m["terminal"] == "TEST-0001" and m["entreprise"]["siret"] == "12345678200017"
    assert m["cle_publique"]["hex"] == IDENTITY.public_key.hex()
    assert b64url_decode(m["cle_publique"]["base64url"]) == IDENTITY.public_key
    span = (m["archive"]["libelle"], m["archive"]["seq_premier"], m["archive"]["seq_dernier"])
    assert span == ("2025-12-31", 1, RECORDS[-1].seq)
    assert m["nombre_par_type"] == dict(Counter(codes.DOC_NAMES[r.doc_type] for r in RECORDS))
    assert m["logiciel"]["nom"] == "FiscalTerm" and set(m["description_fichiers"]) == set(COLUMNS)
    assert set(m["champs_signes"]) == set(codes.DOC_NAMES.values())
    assert set(m["definition_champs_signes"]) == {f for fs in SIGNED_FIELDS.values() for f in fs}
    with zipfile.ZipFile(io.BytesIO(ARCHIVE)) as zf:
        for name, entry in m["fichiers"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == entry["sha256"]
    for row in table("records.csv", LATER):
        layout = m["champs_signes"][row["type_document"]]
        assert len(signed_fields(row["donnees_signees"])) == len(layout)
    gts = [t["donnees_signees_gt_ticket"] for t in table("tickets.csv") if t["formation"] == "0"]
    assert all(len(gt.split(",")) == len(SIGNED_FIELDS["GT_TICKET"]) for gt in gts)


def test_ticket_totals_add_up_to_every_closure() -> None:
    real = [t for t in table("tickets.csv") if t["formation"] == "0"]
    vat: Counter[str] = Counter()
    for row in (r for r in table("vat.csv") if r["type_document"] == "TICKET"):
        vat[row["taux_tva_x100"]] += int(row["total_ttc_centimes"])
    means: Counter[str] = Counter()
    for row in (r for r in table("payments.csv") if r["type_document"] == "TICKET"):
        means[row["moyen_code"]] += int(row["montant_centimes"])
    means[str(codes.PAY_CASH)] -= sum(int(t["rendu_monnaie_centimes"]) for t in real)
    total = sum(int(t["total_ttc_centimes"]) for t in real)
    for closure in table("closures.csv"):
        assert total == int(closure["total_reel_centimes"])
        assert real[-1]["gt_reel_centimes"] == closure["gt_reel_centimes"]
        rates = dict(pair.split(":") for pair in closure["tva_par_taux"].split("|"))
        assert {int(r): int(t) for r, t in rates.items()} == {int(r): t for r, t in vat.items()}
        pays = dict(pair.split(":") for pair in closure["paiements_par_moyen"].split("|"))
        assert {k: int(v) for k, v in pays.items()} == dict(means)
        assert closure["nb_ventes"] == "2" and closure["nb_retours"] == "1"


def test_vat_base_and_tax_follow_the_spec() -> None:
    for row in [*table("vat.csv"), *table("lines.csv")]:
        ttc, rate = int(row["total_ttc_centimes"]), int(row["taux_tva_x100"])
        exact = Decimal(ttc * 10000) / Decimal(10000 + rate)
        assert int(row["total_ht_centimes"]) == int(exact.quantize(Decimal(1), ROUND_HALF_UP))
        assert int(row["total_ht_centimes"]) + int(row["total_tva_centimes"]) == ttc
    for ticket in table("tickets.csv"):
        rates = [v for v in table("vat.csv") if v["ticket_seq"] == ticket["seq"]]
        for column in ("total_ht_centimes", "total_tva_centimes"):
            assert int(ticket[column]) == sum(int(v[column]) for v in rates)


def test_data_to_sign_and_records_equal_the_vectors() -> None:
    rows = table("records.csv")
    assert {int(r["seq"]) for r in rows} == set(VECTORS)
    for row in rows:
        vector = VECTORS[int(row["seq"])]
        assert row["donnees_signees"] == vector["data_to_sign"]
        assert row["signature"] == vector["signature_b64url"]
        assert row["enregistrement_cbor_hex"] == vector["record_cbor_hex"]
    for ticket in table("tickets.csv"):
        vector = VECTORS[int(ticket["seq"])]
        assert ticket["donnees_signees_gt_ticket"] == vector.get("gt_data_to_sign", "")
        assert ticket["signature_gt_ticket"] == vector.get("gt_signature_b64url", "")


@pytest.mark.parametrize("data", [ARCHIVE, LATER], ids=["scenario", "next_archive"])
def test_every_signature_and_digest_checks_with_an_independent_library(data: bytes) -> None:
    rows = table("records.csv", data)
    for row in rows:
        KEY.verify(b64url_decode(row["signature"]), row["donnees_signees"].encode("utf-8"))
        stored = bytes.fromhex(row["enregistrement_cbor_hex"])
        digest = hashlib.sha256(b"\x89" + stored[1:-66]).digest()
        assert signed_fields(row["donnees_signees"])[-3] == b64url(digest)
    for ticket in table("tickets.csv", data):
        if ticket["formation"] == "0":
            gt = ticket["donnees_signees_gt_ticket"].encode("utf-8")
            KEY.verify(b64url_decode(ticket["signature_gt_ticket"]), gt)
    forged = rows[2]["donnees_signees"].replace("1385", "1358", 1)
    with pytest.raises(InvalidSignature):
        KEY.verify(b64url_decode(rows[2]["signature"]), forged.encode())


def test_the_next_archive_lists_this_one_with_its_signed_digest() -> None:
    sealed = LATER_RECORDS[-1]
    assert isinstance(sealed.body, ArchiveBody)
    row = table("archives.csv", LATER)[-1]
    assert row["fichier_sha256"] == archive_digest(ARCHIVE).hex() and row["fichier"] == "z.zip"
    assert (row["seq"], row["premier_seq"]) == (str(sealed.seq), str(sealed.body.from_seq))
    record = table("records.csv", LATER)[-1]
    assert (record["type_document"], record["signature"]) == ("ARCHIVE", b64url(sealed.signature))
    kind = signed_fields(record["donnees_signees"])[SIGNED_FIELDS["ARCHIVE"].index("KIND")]
    assert kind == row["nature"] == sealed.body.kind


def test_the_readme_example_verifies_the_extracted_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(io.BytesIO(ARCHIVE)) as zf:
        zf.extractall(tmp_path)
        readme = zf.read("LISEZMOI.txt").decode("utf-8")
    snippet = archive.VERIFY_SNIPPET.format(key_hex=IDENTITY.public_key.hex())
    assert all(line in readme for line in snippet.splitlines())
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, "LISEZMOI.txt", "exec"), {})
    assert "toutes les signatures sont valides" in capsys.readouterr().out


def test_a_training_ticket_is_archived_but_flagged() -> None:
    (row,) = [t for t in table("tickets.csv") if t["type_document"] == "FORMATION"]
    assert row["formation"] == "1" and row["total_ttc_centimes"] == "250"
    assert (row["gt_reel_centimes"], row["gt_absolu_centimes"]) == ("0", "0")
    assert row["donnees_signees_gt_ticket"] == row["signature_gt_ticket"] == ""
    assert {t["formation"] for t in table("tickets.csv") if t["type_document"] == "TICKET"} == {"0"}
    lines = [line for line in table("lines.csv") if line["ticket_seq"] == row["seq"]]
    assert [line["type_document"] for line in lines] == ["FORMATION"]


def test_free_text_survives_quoting() -> None:
    ledger = Ledger("TEST-0001", Ed25519Signer(SEED))
    label, text = 'Vin "cuvée"; 75 cl', 'note; "entre guillemets"\nsur deux lignes, avec \\'
    lines, pay = [Line("P9", label, 1, 999, 2000)], [Payment(codes.PAY_CARD, 999)]
    at = {"time_utc": T0, "utc_offset": 60, "operator_id": 1}
    steps = [ledger.seal_jet(**at, code=codes.JET_START, text=text)]
    ledger.accept(steps[-1])
    steps.append(ledger.open_period(**{**at, "time_utc": T0 + 60}, cash_float=0))
    ledger.accept(steps[-1])
    steps.append(ledger.seal_ticket(**{**at, "time_utc": T0 + 120}, lines=lines, payments=pay))
    data = build([s.record for s in steps])
    assert table("lines.csv", data)[0]["libelle"] == label
    assert table("jet.csv", data)[0]["texte"] == text
    assert [r["donnees_signees"] for r in table("records.csv", data)] == [s.to_sign for s in steps]


def test_a_later_range_needs_the_previous_signatures() -> None:
    later = RECORDS[7:]  # from seq 8: JET number 3 onwards
    with pytest.raises(ValueError, match="previous signature"):
        build(later)
    heads = archive.chain_heads(RECORDS[:7])
    assert heads[codes.DOC_JET] == RECORDS[1].signature and codes.DOC_GT_TICKET in heads
    data = build(later, previous_signatures=heads)
    rows = table("records.csv", data)
    assert [r["donnees_signees"] for r in rows] == [VECTORS[r.seq]["data_to_sign"] for r in later]
    manifest = read_manifest(data)
    assert manifest["signatures_precedentes"]["JET"] == b64url(RECORDS[1].signature)
    assert manifest["archive"]["seq_premier"] == 8


def test_refuses_what_it_cannot_archive_faithfully() -> None:
    with pytest.raises(ValueError, match="at least one"):
        build([])
    with pytest.raises(ValueError, match="seq"):
        build(RECORDS[:3] + RECORDS[4:])
    with pytest.raises(ValueError, match="identity"):
        build(config=DEMO_CONFIG)
    with pytest.raises(ValueError, match="1980"):
        build(created_utc=0)
    for field, value, error in (("terminal_id", "OTHER-0002", "terminal"), ("number", 9, "gap")):
        changed = Record.decode(RECORDS[-1].encode())
        setattr(changed, field, value)
        with pytest.raises(ValueError, match=error):
            build([*RECORDS[:-1], changed])
    for garbage in (b"not a zip", ARCHIVE[:100]):
        with pytest.raises(ValueError, match="not a fiscal archive"):
            read_manifest(garbage)


def test_every_jet_code_of_the_terminal_has_a_meaning() -> None:
    from firmware.archive_csv import JET_MEANINGS

    every = {value for name, value in vars(codes).items() if name.startswith("JET_")}
    assert every <= set(JET_MEANINGS)
