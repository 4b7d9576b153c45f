"""The CSV tables of a fiscal archive: their column dictionary and their rows, from records.

Amounts in integer cents (``_centimes``), VAT rates percent x 100 (``_x100``),
dates ISO 8601 (docs/ARCHIVE.md). firmware/archive.py threads the signature
chains and hands each record with its data to sign.
"""

import csv
import io

from firmware.config import TerminalConfig
from fiscal_core import codes
from fiscal_core.civil import split_time
from fiscal_core.closures import COUNT_FIELDS, ClosureBody
from fiscal_core.documents import ArchiveBody, DuplicateBody, InvoiceBody
from fiscal_core.ed25519 import b64url, signature_extract
from fiscal_core.events import JetBody
from fiscal_core.records import Record, TicketBody
from fiscal_core.tosign import vat_text
from fiscal_core.vat import VatLine, breakdown

Columns = tuple[tuple[str, str], ...]
Row = list[str | int]

JET_MEANINGS = {
    codes.JET_PERIOD_ARCHIVE: "archive de période créée",
    codes.JET_YEAR_ARCHIVE: "archive d'exercice créée",
    codes.JET_LOGOUT: "déconnexion de l'opérateur",
    codes.JET_PERIOD_CLOSURE: "clôture journalière effectuée",
    codes.JET_YEAR_CLOSURE: "clôture d'exercice effectuée",
    codes.JET_MONTH_CLOSURE: "clôture mensuelle effectuée",
    codes.JET_PRINTER_OFFLINE: "imprimante indisponible (hors ligne, fin de papier, capot ouvert)",
    codes.JET_START: "démarrage du terminal",
    codes.JET_LOGIN: "connexion d'un opérateur",
    codes.JET_INTEGRITY_ERROR: "erreur d'intégrité détectée",
    codes.JET_TRAINING_ON: "mode formation activé",
    codes.JET_TRAINING_OFF: "mode formation désactivé",
    codes.JET_PRINTER_BACK: "imprimante de nouveau disponible",
    codes.JET_USER_CHANGE: "changement d'utilisateur",
    codes.JET_DUPLICATE: "duplicata imprimé",
    codes.JET_CASH_MOVE: "entrée (montant > 0) ou sortie (montant < 0) d'espèces",
    codes.JET_CASH_FLOAT: "fond de caisse : ouverture de période (montant = fond)",
    codes.JET_DRAWER_COUNT: "comptage du tiroir (montant = espèces comptées)",
    codes.JET_RETURN: "retour enregistré",
    codes.JET_REPORT_X: "rapport X imprimé",
    codes.JET_RIGHTS_PRINTED: "liste des utilisateurs et des droits imprimée",
    codes.JET_VERSION_PRINTED: "version du logiciel imprimée",
    codes.JET_SALE_ABANDONED: "vente abandonnée avant paiement",
    codes.JET_LINE_VOIDED: "ligne annulée avant paiement",
    codes.JET_CONFIG_CHANGE: "modification de la configuration (avant / après dans le texte)",
    codes.JET_COMPANY_CHANGE: "modification des données de l'entreprise",
    codes.JET_RECEIPT_NOT_PRINTED: "ticket non imprimé (réf. = ticket)",
    codes.JET_RECEIPT_PRINTED_LATE: "ticket imprimé en différé (réf. = ticket)",
    codes.JET_NOTE_PRINTED: "réservé (les notes sont des enregistrements NOTE)",
    codes.JET_PAYMENT_PROOF: "justificatif de paiement imprimé (réf. = ticket)",
    codes.JET_CLOCK_STEP: "saut d'horloge",
    codes.JET_CLOCK_CONFIRMED: "heure confirmée par un responsable après un saut d'horloge",
    codes.JET_INTEGRITY_CLEARED: "alarme d'intégrité levée par un technicien",
    codes.JET_INSPECTION_OPEN: "inspection : session ouverte sur la liaison série",
    codes.JET_INSPECTION_HEAD: "inspection : déclaration de tête remise (plage lue dans le texte)",
    codes.JET_CONFIG_ACK: "configuration validée (empreinte SHA-256 dans le texte)",
    codes.JET_VERSION_CHANGE: "version du logiciel différente de celle du démarrage précédent",
    codes.JET_MEMORY_WARNING: "mémoire fiscale remplie à 90 % ou plus",
    codes.JET_SELF_TEST: (
        "autotest au démarrage et à chaque clôture journalière (ce qui a été vérifié)"
    ),
    codes.JET_CHECKPOINT_REFUSED: (
        "point de contrôle refusé (pourquoi) : tout le journal a été vérifié à la place"
    ),
    codes.JET_TORN_FRAME: (
        "trame interrompue par une coupure de courant, écartée (où, combien d'octets)"
    ),
    codes.JET_BACKUP: "sauvegarde de la mémoire fiscale (nom du fichier dans le texte)",
    codes.JET_RESTORE_REFUSED: "restauration refusée, rien restauré (motif dans le texte)",
    codes.JET_RESTORE_DONE: "restauration effectuée (sauvegarde et enregistrements ajoutés)",
    codes.JET_BACKUP_FAILED: "sauvegarde annoncée non écrite (motif dans le texte)",
}
UNKNOWN_JET = "code non répertorié dans cette version"

_DOC: Columns = (
    ("seq", "numéro de séquence du journal (tous documents, de 1, sans trou)"),
    ("type_document", "type de document (TICKET, FORMATION, FACTURE, GT_PERIODE, JET, ...)"),
    ("numero", "numéro du document dans la chaîne de son type (de 1, sans trou)"),
    ("date_heure_locale", "date et heure locales, ISO 8601 avec décalage horaire"),
    ("date_heure_utc", "date et heure UTC, ISO 8601 (2025-12-31T09:00:00Z)"),
    ("operateur_id", "identifiant de l'opérateur connecté (0 = le terminal lui-même)"),
    ("operateur_nom", "nom de l'opérateur selon la configuration à la création de l'archive"),
)
_SIGNATURE: Columns = (("signature", "signature Ed25519 du document, base64url sans remplissage"),)
_OF_TICKET: Columns = (
    ("ticket_seq", "seq du ticket"),
    ("type_document", "TICKET ou FORMATION"),
    ("ticket_numero", "numéro du ticket dans sa chaîne"),
)
_VAT: Columns = (
    ("total_ttc_centimes", "montant TTC en centimes"),
    ("total_ht_centimes", "montant HT en centimes : TTC x 10000 / (10000 + taux), arrondi"),
    ("total_tva_centimes", "montant de TVA en centimes : TTC - HT"),
)
_RATE = ("taux_tva_x100", "taux de TVA en pourcentage x 100 (2000 = 20 %, 550 = 5,5 %)")
_PERIOD_VAT = ("tva_par_taux", "TTC par taux, TAUX:TTC|TAUX:TTC (taux sur 4 chiffres)")

COLUMNS: dict[str, Columns] = {
    "tickets.csv": (
        *_DOC[:3],
        ("formation", "1 = ticket du mode formation (compté nulle part), 0 = ticket réel"),
        *_DOC[3:],
        ("operation", "VENTE ou RETOUR"),
        ("nb_lignes", "nombre de lignes d'articles"),
        *_VAT,
        ("total_absolu_centimes", "somme des valeurs absolues des lignes, en centimes"),
        ("rendu_monnaie_centimes", "monnaie rendue en espèces, en centimes"),
        ("gt_reel_centimes", "grand total perpétuel réel après ce ticket (0 en formation)"),
        ("gt_absolu_centimes", "grand total perpétuel absolu après ce ticket (0 en formation)"),
        ("retour_ticket_numero", "retour : numéro du ticket de vente compensé ; 0 sinon"),
        ("retour_motif", "retour : code et texte du motif ; vide sinon"),
        *_SIGNATURE,
        ("signature_extrait", "caractères 3, 7, 13 et 19 de la signature, imprimés sur le ticket"),
        ("donnees_signees_gt_ticket", "données signées de la chaîne GT_TICKET (vide en formation)"),
        ("signature_gt_ticket", "signature GT_TICKET, base64url (vide en formation)"),
    ),
    "lines.csv": (
        *_OF_TICKET,
        ("ligne_index", "rang de la ligne dans le ticket, de 1"),
        ("reference", "référence : P12 = article PLU 12, D3 = rayon 3"),
        ("libelle", "libellé de l'article"),
        ("quantite", "quantité (négative sur un retour)"),
        ("prix_unitaire_ttc_centimes", "prix unitaire TTC en centimes"),
        _RATE,
        *_VAT,
    ),
    "payments.csv": (
        *_OF_TICKET,
        ("paiement_index", "rang du paiement dans le ticket, de 1"),
        ("moyen_code", "moyen de paiement : 1 espèces, 2 carte, 3 chèque, 4 bon d'achat"),
        ("moyen_libelle", "libellé du moyen de paiement"),
        ("montant_centimes", "montant en centimes (négatif = remboursement), avant rendu"),
    ),
    "vat.csv": (*_OF_TICKET, _RATE, *_VAT),
    "closures.csv": (
        *_DOC,
        ("periode", "période close : AAAA-MM-JJ, AAAA-MM ou FYAAAA-MM (exercice)"),
        ("premier_seq", "seq du premier enregistrement de la période close"),
        _PERIOD_VAT,
        ("total_reel_centimes", "total de la période, valeur réelle (ventes - retours)"),
        ("total_absolu_centimes", "total de la période, valeur absolue"),
        ("gt_reel_precedent_centimes", "grand total perpétuel réel à la clôture précédente"),
        ("gt_reel_centimes", "grand total perpétuel réel à cette clôture"),
        ("gt_absolu_centimes", "grand total perpétuel absolu à cette clôture"),
        ("paiements_par_moyen", "net par moyen de paiement, MOYEN:MONTANT|... (rendu déduit)"),
        ("nb_ventes", "nombre de tickets de vente"),
        ("nb_retours", "nombre de tickets de retour"),
        ("nb_duplicata", "nombre de duplicata"),
        ("nb_factures", "nombre de factures"),
        ("nb_ventes_abandonnees", "nombre de ventes abandonnées (JET 320)"),
        ("nb_lignes_annulees", "nombre de lignes annulées (JET 323)"),
        ("fond_de_caisse_centimes", "fonds de caisse de la période (JET 171)"),
        ("mouvements_caisse_centimes", "entrées et sorties d'espèces de la période (JET 170)"),
        *_SIGNATURE,
    ),
    "invoices.csv": (
        *_DOC,
        ("ticket_numero", "numéro du TICKET que la facture complète"),
        ("nature", "FACTURE (vente) ou AVOIR (retour)"),
        ("client", "nom ou raison sociale du client"),
        ("code_postal", "code postal du client"),
        ("tva_intracom_client", "numéro de TVA du client (facultatif)"),
        _PERIOD_VAT,
        ("total_ttc_centimes", "total TTC du ticket en centimes"),
        *_SIGNATURE,
    ),
    "duplicates.csv": (
        *_DOC,
        ("original_type", "type du document réimprimé"),
        ("original_numero", "numéro du document réimprimé dans sa chaîne"),
        ("reimpression_numero", "rang de cette réimpression de l'original : 1, 2, ..."),
        *_SIGNATURE,
    ),
    "jet.csv": (
        *_DOC,
        ("code", "code de l'événement"),
        ("code_libelle", "signification du code"),
        ("texte", "texte libre de l'événement"),
        ("montant_centimes", "fond (171), mouvement (170), comptage (172) ; 0 sinon"),
        ("ticket_ref", "numéro du ticket concerné (901, 902, 904) ; 0 sinon"),
        *_SIGNATURE,
    ),
    "archives.csv": (
        *_DOC,
        ("nature", "archive de PERIODE (jour, mois) ou d'EXERCICE"),
        ("cloture_type", "type de la clôture archivée (GT_PERIODE, GT_MOIS, GT_EXERCICE)"),
        ("cloture_numero", "numéro de la clôture archivée"),
        ("premier_seq", "seq du premier enregistrement archivé"),
        ("dernier_seq", "seq du dernier enregistrement archivé (la clôture)"),
        _PERIOD_VAT,
        ("total_reel_centimes", "total réel de la période archivée"),
        ("fichier", "nom du fichier d'archive"),
        ("fichier_sha256", "empreinte SHA-256 du fichier d'archive (hexadécimal), signée"),
        *_SIGNATURE,
    ),
    "records.csv": (
        _DOC[0],
        ("type_document_code", "code numérique du type de document"),
        *_DOC[1:6],
        ("donnees_signees", "texte exact signé (UTF-8), champs séparés par des virgules"),
        *_SIGNATURE,
        ("enregistrement_cbor_hex", "enregistrement tel que stocké (CBOR canonique), hexadécimal"),
    ),
}


FILES = {
    "tickets.csv": "un ticket par ligne (ventes, retours ; formation signalée)",
    "lines.csv": "une ligne d'article par ligne",
    "payments.csv": "un paiement par ligne",
    "vat.csv": "la ventilation de TVA de chaque ticket, par taux",
    "closures.csv": "les clôtures (jour, mois, exercice) et leurs grands totaux",
    "invoices.csv": "les factures et avoirs",
    "duplicates.csv": "les duplicata (réimpressions)",
    "jet.csv": "le journal des événements techniques (JET)",
    "archives.csv": "les archives fiscales faites auparavant et leur empreinte",
    "records.csv": "tous les enregistrements : texte exactement signé et signature",
}


def iso_local(time_utc: int, offset: int) -> str:
    """Return ``YYYY-MM-DDTHH:MM:SS+HH:MM``: the local time at ``offset`` minutes from UTC."""
    y, mo, d, h, mi, s = split_time(time_utc + offset * 60)
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset), 60)
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{sign}{hours:02d}:{minutes:02d}"


def iso_utc(time_utc: int) -> str:
    y, mo, d, h, mi, s = split_time(time_utc)
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z"


class Tables:
    """The rows of every CSV of an archive, filled record by record in journal order."""

    def __init__(self, config: TerminalConfig) -> None:
        self.config = config
        self.rows: dict[str, list[Row]] = {name: [] for name in COLUMNS}

    def add(self, record: Record, to_sign: str, gt_to_sign: str = "") -> None:
        """Add ``record``'s rows: ``to_sign`` is its data to sign, ``gt_to_sign`` a ticket's GT."""
        doc = self._doc(record)
        body = record.body
        signature = b64url(record.signature)
        if isinstance(body, TicketBody):
            self._ticket(record, body, doc, gt_to_sign)
        elif isinstance(body, ClosureBody):
            counts = [*body.counts, *[0] * COUNT_FIELDS][:COUNT_FIELDS]
            row = [*doc, body.label, body.from_seq, vat_text(body.vat), body.total_real]
            row += [body.total_absolute, body.previous_gt_real, body.gt_real, body.gt_absolute]
            payments = "|".join(f"{means}:{amount}" for means, amount in body.payments)
            row += [payments, *counts, body.cash_float, body.cash_moves, signature]
            self.rows["closures.csv"].append(row)
        elif isinstance(body, InvoiceBody):
            row = [*doc, body.ticket_number, body.kind, body.customer, body.postcode]
            row += [body.vat_number, vat_text(body.vat), body.total, signature]
            self.rows["invoices.csv"].append(row)
        elif isinstance(body, DuplicateBody):
            original = codes.DOC_NAMES.get(body.original_type, str(body.original_type))
            row = [*doc, original, body.original_number, body.reprint, signature]
            self.rows["duplicates.csv"].append(row)
        elif isinstance(body, ArchiveBody):
            closure = codes.DOC_NAMES.get(body.closure_type, str(body.closure_type))
            row = [*doc, body.kind, closure, body.closure_number, body.from_seq, body.to_seq]
            row += [vat_text(body.vat), body.total, body.file_name, body.file_digest.hex()]
            self.rows["archives.csv"].append([*row, signature])
        elif isinstance(body, JetBody):
            meaning = JET_MEANINGS.get(body.code, UNKNOWN_JET)
            row = [*doc, body.code, meaning, body.text, body.amount, body.ref, signature]
            self.rows["jet.csv"].append(row)
        row = [record.seq, record.doc_type, *doc[1:6], to_sign, signature]
        self.rows["records.csv"].append([*row, record.encode().hex()])

    def _doc(self, record: Record) -> Row:
        operator = self.config.operator(record.operator_id) if record.operator_id else None
        return [
            record.seq,
            codes.DOC_NAMES.get(record.doc_type, str(record.doc_type)),
            record.number,
            iso_local(record.time_utc, record.utc_offset),
            iso_utc(record.time_utc),
            record.operator_id,
            operator.name if operator else "",
        ]

    def _ticket(self, record: Record, body: TicketBody, doc: Row, gt_to_sign: str) -> None:
        vat = breakdown(body.lines)
        signature = b64url(record.signature)
        row = [*doc[:3], int(record.doc_type == codes.DOC_TRAINING), *doc[3:], body.operation]
        row += [len(body.lines), body.total, sum(v.base for v in vat), sum(v.tax for v in vat)]
        row += [body.absolute_total, body.change, body.gt_real, body.gt_absolute]
        row += [body.ref_number, body.reason, signature, signature_extract(signature)]
        row += [gt_to_sign, b64url(body.gt_signature)]
        self.rows["tickets.csv"].append(row)
        parent: Row = [record.seq, doc[1], record.number]
        for index, line in enumerate(body.lines, 1):
            amounts = VatLine(line.vat_rate, line.total)
            row = [*parent, index, line.ref, line.label, line.quantity, line.unit_price]
            row += [line.vat_rate, line.total, amounts.base, amounts.tax]
            self.rows["lines.csv"].append(row)
        for index, payment in enumerate(body.payments, 1):
            means = codes.PAYMENT_NAMES.get(payment.means, str(payment.means))
            self.rows["payments.csv"].append([*parent, index, payment.means, means, payment.amount])
        for v in vat:
            self.rows["vat.csv"].append([*parent, v.rate, v.total, v.base, v.tax])


def csv_bytes(name: str, rows: "list[Row]") -> bytes:
    """Return a CSV file: UTF-8, ``;`` separated, header row, RFC 4180 quoting, CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column for column, _ in COLUMNS[name]])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
