"""The inspector's French vocabulary: the export's column dictionary and the JET codes.

The export writes the same files, columns and conventions as the terminal's
fiscal archives (docs/ARCHIVE.md, "Column dictionary"), so that an inspector
reads one format; the rows come from the inspector's own decoding of the
journal (``export_rows``), not from the terminal's code. ``colonnes.csv``
and ``manifest.json`` carry this dictionary.

The JET table (docs/SPEC.md §6) is open: a later version of the terminal
may add codes, which the inspector shows by number with ``UNKNOWN_JET``.
Its wording is that of the terminal's archives (``jet.csv``), plus the
codes they do not name (integrity, inspection, configuration acknowledged).
"""

from __future__ import annotations

Columns = tuple[tuple[str, str], ...]

CONVENTIONS = {
    "encodage": "UTF-8 sans BOM, fins de ligne CRLF",
    "separateur": "; et première ligne donnant les noms des colonnes",
    "guillemets": "RFC 4180 : champ entre guillemets s'il contient ; \" ou un saut de ligne",
    "montants": "centimes d'euro entiers, colonnes *_centimes (1385 = 13,85 EUR)",
    "taux_tva": "pourcentage x 100, colonnes *_x100 (550 = 5,5 %)",
    "dates": "ISO 8601 : locale avec décalage, et UTC suffixée Z",
}

_DOC: Columns = (
    ("seq", "numéro de séquence du journal (tous documents, de 1, sans trou)"),
    ("type_document", "type de document (TICKET, FORMATION, FACTURE, GT_PERIODE, JET, ...)"),
    ("numero", "numéro du document dans la chaîne de son type (de 1, sans trou)"),
    ("date_heure_locale", "date et heure locales, ISO 8601 avec décalage horaire"),
    ("date_heure_utc", "date et heure UTC, ISO 8601 (2025-12-31T09:00:00Z)"),
    ("operateur_id", "identifiant de l'opérateur connecté (0 = le terminal lui-même)"),
    (
        "operateur_nom",
        "nom de l'opérateur : vide dans l'export (le journal ne contient pas la "
        "configuration ; voir les connexions, JET 81, dans jet.csv)",
    ),
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
        (
            "donnees_signees",
            "texte exact signé (UTF-8), champs séparés par des virgules ; vide si "
            "l'enregistrement précédent de la même chaîne manque à la copie",
        ),
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
    "archives.csv": "les archives fiscales faites par le terminal et leur empreinte",
    "records.csv": "tous les enregistrements : texte exactement signé et signature",
}
DICTIONARY_FILE = "colonnes.csv"
DICTIONARY_COLUMNS: Columns = (
    ("fichier", "nom du fichier CSV"),
    ("colonne", "nom de la colonne"),
    ("signification", "ce que contient la colonne"),
)


def dictionary_rows() -> list[list[str | int]]:
    """Return the rows of ``colonnes.csv``: (file, column, meaning) for every CSV column."""
    return [[name, column, meaning] for name, cols in COLUMNS.items() for column, meaning in cols]


JET_MEANINGS = {
    20: "archive de période créée",
    30: "archive d'exercice créée",
    40: "déconnexion de l'opérateur",
    50: "clôture journalière effectuée",
    60: "clôture d'exercice effectuée",
    65: "clôture mensuelle effectuée",
    70: "imprimante indisponible (hors ligne, fin de papier, capot ouvert)",
    80: "démarrage du terminal",
    81: "connexion d'un opérateur",
    90: "erreur d'intégrité détectée",
    91: "alarme d'intégrité levée par un technicien",
    100: "mode formation activé",
    105: "mode formation désactivé",
    120: "imprimante de nouveau disponible",
    130: "changement d'utilisateur",
    155: "duplicata imprimé",
    170: "entrée (montant > 0) ou sortie (montant < 0) d'espèces",
    171: "fond de caisse : ouverture de période (montant = fond)",
    172: "comptage du tiroir (montant = espèces comptées)",
    190: "retour enregistré",
    200: "rapport X imprimé",
    210: "liste des utilisateurs et des droits imprimée",
    220: "version du logiciel imprimée",
    230: "contrôle : session ouverte sur la liaison série",
    231: "contrôle : déclaration de tête signée (plage d'enregistrements lue)",
    320: "vente abandonnée avant paiement",
    323: "ligne annulée avant paiement",
    400: "modification de la configuration (avant / après dans le texte)",
    401: "configuration validée (empreinte SHA-256 dans le texte)",
    410: "modification des données de l'entreprise",
    901: "ticket non imprimé (réf. = ticket)",
    902: "ticket imprimé en différé (réf. = ticket)",
    903: "réservé (les notes sont des enregistrements NOTE)",
    904: "justificatif de paiement imprimé (réf. = ticket)",
    910: "saut d'horloge",
    911: "heure confirmée par un responsable après un saut d'horloge",
    915: "version du logiciel différente de celle du démarrage précédent",
    920: "mémoire fiscale remplie à 90 % ou plus",
    930: "autotest au démarrage et à chaque clôture journalière (ce qui a été vérifié)",
    935: "point de contrôle refusé (pourquoi) : tout le journal a été vérifié à la place",
    936: "trame interrompue par une coupure de courant, écartée (où, combien d'octets)",
    940: "sauvegarde de la mémoire fiscale, tracée avant d'être écrite (texte : le fichier)",
    941: "restauration refusée par ses contrôles, rien restauré (texte : le motif)",
    942: "restauration effectuée, tracée après (texte : fichier, enregistrements ajoutés)",
    943: "sauvegarde tracée par le 940 précédent mais non écrite (texte : le motif)",
}
UNKNOWN_JET = "code non répertorié dans cette version"


def jet_meaning(code: int) -> str:
    """Return the French meaning of a JET code, or ``UNKNOWN_JET``."""
    return JET_MEANINGS.get(code, UNKNOWN_JET)
