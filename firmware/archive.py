"""The fiscal archive: a deterministic zip of CSV tables, a manifest and a French read-me.

Pure (bytes in, bytes out): ``build_archive`` turns records into a zip readable
outside the terminal (NF525 5.4.4-5.4.6, 6.5.2): elementary data of every
document, the exact data to sign of every record, the signed fields, the key,
the creation date. Same inputs, same bytes: ``archive_digest`` of the result
is what the ARCHIVE record signs. Layout: docs/ARCHIVE.md.
"""

import hashlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from firmware import archive_csv, version
from firmware.archive_csv import COLUMNS, FILES, Tables, csv_bytes, iso_local, iso_utc
from firmware.config import TerminalConfig
from fiscal_core import codes
from fiscal_core.civil import split_time
from fiscal_core.ed25519 import b64url
from fiscal_core.identity import Identity
from fiscal_core.records import Record, TicketBody
from fiscal_core.tosign import data_to_sign, grand_total_ticket_to_sign

ARCHIVE_FORMAT_VERSION = 1
MANIFEST = "manifest.json"
README = "LISEZMOI.txt"
ARCHIVE_FILES = tuple(sorted([*COLUMNS, MANIFEST, README]))


def _layout(names: str, digest: bool = True) -> list[str]:
    return [*names.split(), *(["DIGEST"] if digest else []), "FLAG", "PREV"]


_CLOSURE = _layout("VAT TOTAL GT_REAL TIMESTAMP NUMBER")
# The data-to-sign layouts of docs/SPEC.md section 5, by document type.
SIGNED_FIELDS: dict[str, list[str]] = {
    **dict.fromkeys(("TICKET", "FORMATION"), _layout("VAT TOTAL TIMESTAMP NUMBER OPERATION")),
    "GT_TICKET": _layout("VAT TOTAL GT_REAL TIMESTAMP NUMBER", digest=False),
    "FACTURE": _layout("VAT TOTAL TIMESTAMP NUMBER KIND CUSTOMER POSTCODE VAT_NUMBER"),
    "DUPLICATA": _layout("NUMBER ORIGINAL_TYPE REPRINT OPERATOR TIMESTAMP ORIGINAL_NUMBER"),
    **dict.fromkeys(("GT_PERIODE", "GT_MOIS", "GT_EXERCICE"), _CLOSURE),
    "JET": _layout("NUMBER CODE TEXT TIMESTAMP OPERATOR TERMINAL"),
    "ARCHIVE": _layout("VAT TOTAL TIMESTAMP TERMINAL KIND"),
    "NOTE": _layout("VAT TOTAL TIMESTAMP NUMBER PERSONS"),
}
SIGNED_FIELD_MEANINGS = {
    "VAT": "TTC par taux, TAUX:TTC|TAUX:TTC, taux sur 4 chiffres, taux le plus élevé d'abord",
    "TOTAL": "total TTC du document en centimes (total réel de la période : clôture, archive)",
    "GT_REAL": "grand total perpétuel réel en centimes",
    "TIMESTAMP": "date et heure UTC, AAAAMMJJHHMMSS",
    "NUMBER": "numéro du document dans sa chaîne",
    "OPERATION": "VENTE ou RETOUR",
    "KIND": "FACTURE ou AVOIR ; pour une archive, PERIODE ou EXERCICE",
    "CUSTOMER": "client (texte échappé)",
    "POSTCODE": "code postal du client (texte échappé)",
    "VAT_NUMBER": "numéro de TVA du client, peut être vide (texte échappé)",
    "ORIGINAL_TYPE": "type du document réimprimé (TICKET, FACTURE, ...)",
    "REPRINT": "rang de la réimpression",
    "PERSONS": "nombre de personnes qui se partagent la note",
    "OPERATOR": "identifiant de l'opérateur",
    "ORIGINAL_NUMBER": "numéro du document réimprimé",
    "CODE": "code de l'événement JET",
    "TEXT": "texte de l'événement (texte échappé)",
    "TERMINAL": "identifiant du terminal (texte échappé)",
    "DIGEST": "base64url du SHA-256 de l'enregistrement stocké sans sa signature",
    "FLAG": "N sur le premier document de la chaîne, O ensuite",
    "PREV": "signature précédente de la même chaîne, base64url ; vide sur le premier",
}
SIGNING_RULES = {
    "algorithme": "Ed25519 (RFC 8032) sur les octets UTF-8 du texte signé",
    "separateur": "les champs sont joints par une virgule, sans espace",
    "echappement": "dans les textes échappés, \\ devient \\\\ puis , devient \\,",
    "encodage_signature": "base64url sans remplissage (86 caractères)",
}
CONVENTIONS = {
    "encodage": "UTF-8 sans BOM, fins de ligne CRLF",
    "separateur": "; et première ligne donnant les noms des colonnes",
    "guillemets": "RFC 4180 : champ entre guillemets s'il contient ; \" ou un saut de ligne",
    "montants": "centimes d'euro entiers, colonnes *_centimes (1385 = 13,85 EUR)",
    "taux_tva": "pourcentage x 100, colonnes *_x100 (550 = 5,5 %)",
    "dates": "ISO 8601 : locale avec décalage, et UTC suffixée Z",
}
VERIFY_SNIPPET = """\
import base64, csv
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
cle = Ed25519PublicKey.from_public_bytes(bytes.fromhex("{key_hex}"))
def b64(t): return base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))
with open("records.csv", encoding="utf-8", newline="") as f:
    for r in csv.DictReader(f, delimiter=";"):
        cle.verify(b64(r["signature"]), r["donnees_signees"].encode("utf-8"))
print("toutes les signatures sont valides")
"""


def _thread(heads: dict[int, tuple[int, bytes]], chain: int, number: int, head: bytes) -> bytes:
    """Return the signature before ``number`` in ``chain`` and make ``head`` the chain's head.

    ``heads`` maps a chain to (last number seen, its signature); number 0
    stands for a signature given by the caller before the first record seen.
    """
    last, previous = heads.get(chain, (0, b""))
    if number == 1 and not last:
        previous = b""
    elif (last and number != last + 1) or not previous:
        name = codes.DOC_NAMES.get(chain, str(chain))
        raise ValueError(f"{name} {number}: gap in its chain or previous signature missing")
    heads[chain] = (number, head)
    return previous


def build_archive(
    records: list[Record],
    *,
    identity: Identity,
    config: TerminalConfig,
    created_utc: int,
    created_offset: int,
    label: str,
    previous_signatures: Mapping[int, bytes] | None = None,
) -> bytes:
    """Return the zip bytes of the fiscal archive of ``records`` (journal order, no seq gap).

    ``label`` names what is archived (``2025-12-31``, ``FY2025-01``); the
    creation time dates it. ``previous_signatures`` (see ``chain_heads``)
    gives per doc_type (``codes.DOC_GT_TICKET`` too) the signature before a
    chain's first record when it is not number 1. Raises ValueError on what
    it cannot archive faithfully (docs/ARCHIVE.md).
    """
    _check(records, identity, config)
    given = dict(previous_signatures or {})
    heads = {chain: (0, signature) for chain, signature in given.items()}
    tables = Tables(config)
    for record in records:
        previous = _thread(heads, record.doc_type, record.number, record.signature)
        body, gt_to_sign = record.body, ""
        if record.doc_type == codes.DOC_TICKET and isinstance(body, TicketBody):
            gt_previous = _thread(heads, codes.DOC_GT_TICKET, record.number, body.gt_signature)
            gt_to_sign = grand_total_ticket_to_sign(record, gt_previous)
        tables.add(record, data_to_sign(record, previous), gt_to_sign)
    files = {name: csv_bytes(name, rows) for name, rows in tables.rows.items()}
    info = {"libelle": label, "seq_premier": records[0].seq, "seq_dernier": records[-1].seq}
    info["date_creation_locale"] = iso_local(created_utc, created_offset)
    info["date_creation_utc"] = iso_utc(created_utc)
    manifest = _manifest(records, identity, config, {**info, "horodatage_creation": created_utc})
    manifest["signatures_precedentes"] = {
        codes.DOC_NAMES.get(chain, str(chain)): b64url(sig) for chain, sig in sorted(given.items())
    }
    files[README] = _readme(manifest)
    manifest["fichiers"] = {
        name: {"octets": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in sorted(files.items())
    }
    files[MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    comment = f"{version.SOFTWARE_NAME} archive fiscale {identity.terminal_id} {label}"
    return _zip(files, created_utc + created_offset * 60, comment.encode("utf-8"))


def chain_heads(records: Iterable[Record]) -> dict[int, bytes]:
    """Return the last signature of each chain in ``records``: the next range's previous ones."""
    heads: dict[int, bytes] = {}
    for record in records:
        heads[record.doc_type] = record.signature
        if record.doc_type == codes.DOC_TICKET and isinstance(record.body, TicketBody):
            heads[codes.DOC_GT_TICKET] = record.body.gt_signature
    return heads


def archive_digest(data: bytes) -> bytes:
    """Return the SHA-256 of the archive's bytes: what the terminal signs for it."""
    return hashlib.sha256(data).digest()


def read_manifest(data: bytes) -> dict[str, Any]:
    """Return the manifest of the archive ``data``; raise ValueError if it is not an archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a fiscal archive: {exc}") from None
    if not isinstance(manifest, dict):
        raise ValueError("not a fiscal archive: the manifest is not an object")
    return manifest


def _check(records: list[Record], identity: Identity, config: TerminalConfig) -> None:
    if not records:
        raise ValueError("an archive holds at least one record")
    if config.terminal_id != identity.terminal_id:
        raise ValueError(f"configuration of {config.terminal_id}, identity of another terminal")
    first = records[0].seq
    for index, record in enumerate(records):
        if record.seq != first + index:
            raise ValueError(f"record seq {record.seq} where {first + index} was expected")
        if record.terminal_id != identity.terminal_id:
            raise ValueError(f"record seq {record.seq} is of terminal {record.terminal_id}")


def _manifest(
    records: list[Record], identity: Identity, config: TerminalConfig, info: dict[str, Any]
) -> dict[str, Any]:
    merchant, key = config.merchant, identity.public_key
    counts = Counter(codes.DOC_NAMES.get(r.doc_type, str(r.doc_type)) for r in records)
    return {
        "format": "archive fiscale NF525",
        "version_format_archive": ARCHIVE_FORMAT_VERSION,
        "version_format_enregistrements": codes.FORMAT_VERSION,
        "terminal": identity.terminal_id,
        "entreprise": {
            "nom": merchant.name,
            "adresse": list(merchant.address),
            "siret": merchant.siret,
            "naf": merchant.naf,
            "tva_intracommunautaire": merchant.vat_number,
        },
        "logiciel": {
            "nom": version.SOFTWARE_NAME,
            "version": version.SOFTWARE_VERSION,
            "categorie_certificat": version.CERTIFICATE_CATEGORY,
            "numero_certificat": version.CERTIFICATE_NUMBER,
        },
        "cle_publique": {"algorithme": "Ed25519", "base64url": b64url(key), "hex": key.hex()},
        "archive": info,
        "nombre_par_type": dict(sorted(counts.items())),
        "champs_signes": SIGNED_FIELDS,
        "definition_champs_signes": SIGNED_FIELD_MEANINGS,
        "regles_signature": SIGNING_RULES,
        "conventions_csv": CONVENTIONS,
        "description_fichiers": FILES,
        "colonnes": {name: dict(columns) for name, columns in sorted(COLUMNS.items())},
        "codes_jet": {str(code): text for code, text in sorted(archive_csv.JET_MEANINGS.items())},
        "moyens_de_paiement": {str(k): v for k, v in sorted(codes.PAYMENT_NAMES.items())},
        "types_de_document": {str(k): v for k, v in sorted(codes.DOC_NAMES.items())},
    }


def _readme(manifest: dict[str, Any]) -> bytes:
    """Return LISEZMOI.txt (French, CRLF): what the archive is and how to check it."""
    info, company, key = manifest["archive"], manifest["entreprise"], manifest["cle_publique"]
    files = "".join(f"  {name} : {what}\n" for name, what in FILES.items())
    conventions = "".join(f"  {topic} : {what}\n" for topic, what in CONVENTIONS.items())
    snippet = VERIFY_SNIPPET.format(key_hex=key["hex"])
    example = "".join(f"     {line}\n" for line in snippet.splitlines())
    text = f"""ARCHIVE FISCALE - {version.SOFTWARE_NAME} {version.SOFTWARE_VERSION}

Terminal : {manifest["terminal"]} - {company["nom"]}, SIRET {company["siret"]}
Archive : {info["libelle"]}, enregistrements seq {info["seq_premier"]} à {info["seq_dernier"]}
Créée le : {info["date_creation_locale"]} ({info["date_creation_utc"]})

Cette archive est une copie ouverte et complète des données élémentaires du
terminal : chaque ticket (y compris les tickets de formation, signalés et
comptés nulle part), ligne, paiement, facture, duplicata, clôture, ligne du
JET, et pour chaque enregistrement le texte exactement signé.

Fichiers :
{files}  manifest.json : identité, clé publique, champs signés, dictionnaire des colonnes

Conventions des fichiers CSV (sens de chaque colonne : manifest.json, « colonnes ») :
{conventions}  Les textes sont reproduits tels qu'enregistrés : ouvrir les fichiers
  par import (UTF-8, séparateur ;) plutôt que par double-clic.

Vérifier :
  1. L'archive : le terminal signe l'empreinte SHA-256 de ce fichier zip dans
     son journal et trace sa création au JET (20 : période, 30 : exercice).
     Empreinte : sha256sum FICHIER.zip, ou certutil -hashfile FICHIER.zip SHA256.
  2. Les signatures : clé publique Ed25519 (à comparer avec celle obtenue hors
     du terminal) {key["hex"]}.
     Dans records.csv, « signature » signe « donnees_signees » (octets UTF-8).
     Exemple en Python (bibliothèque cryptography), dans le dossier extrait :

{example}
  3. Le chaînage : le dernier champ du texte signé est la signature précédente
     du même type de document (vide, et drapeau N, sur le premier).
  4. Les données : le champ DIGEST (3e en partant de la fin) est le SHA-256
     (base64url) de l'octet 0x89 suivi de enregistrement_cbor_hex privé de son
     premier octet et de ses 66 derniers (la signature).
  5. Les totaux : par période, la somme de total_ttc_centimes des tickets dont
     formation = 0 égale total_reel_centimes de la clôture.
  Liste des champs signés : manifest.json, « champs_signes ».
"""
    return text.replace("\n", "\r\n").encode("utf-8")


def _zip(files: dict[str, bytes], local_time: int, comment: bytes) -> bytes:
    stamp = split_time(local_time)
    if not 1980 <= stamp[0] <= 2107:
        raise ValueError(f"a zip cannot date an archive in {stamp[0]} (1980 to 2107 only)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = comment
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the host: the same bytes everywhere
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()
