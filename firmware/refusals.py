"""What the display says when a commit or the printer is refused (20 columns at most)."""

from __future__ import annotations

# What the cashier reads when the core, the journal or the printer check
# refuses a commit (codes from fiscal_core, firmware/journal.py and the
# runner; 20 columns at most). Unknown codes read "operation refusee".
REFUSAL_MESSAGES = {
    "EMPTY_SALE": "aucun article saisi",
    "PAYMENT_SHORT": "paiement insuffisant",
    "CHANGE_NOT_CASH": "rendu en especes",
    "BAD_QUANTITY": "quantite invalide",
    "BAD_PRICE": "prix invalide",
    "BAD_VAT_RATE": "taux de TVA invalide",
    "BAD_PAYMENT": "paiement invalide",
    "TEXT_TOO_LONG": "texte trop long",
    "TOO_MANY_LINES": "trop de lignes",
    "WRITE_FAILED": "ecriture impossible",
    "PERIOD_CLOSED": "periode cloturee",
    "PERIOD_OPEN": "periode deja ouverte",
    "PERIOD_EXPIRED": "cloture jour requise",
    "DAY_OPEN": "cloturez le jour",
    "NOTHING_TO_CLOSE": "rien a cloturer",
    "MONTH_NOT_OVER": "mois non termine",
    "YEAR_NOT_OVER": "exercice non termine",
    "MONTH_CLOSE_REQUIRED": "cloture mois requise",
    "YEAR_CLOSE_REQUIRED": "cloture annee requise",
    "NOT_A_TICKET": "pas un ticket",
    "NOT_A_SALE": "pas une vente",
    "NOT_ON_TICKET": "article hors ticket",
    "RETURN_TOO_LARGE": "retour > vente",
    "REFUND_MISMATCH": "remboursement faux",
    "REASON_REQUIRED": "motif obligatoire",
    "CUSTOMER_REQUIRED": "client incomplet",
    "ALREADY_INVOICED": "deja facture",
    "NOT_REPRINTABLE": "non reimprimable",
    "NOT_FOUND": "document introuvable",
    "TRAINING_NO_RETURN": "pas en formation",
    "PRINTER_NOT_READY": "imprimante absente",
    "ARCHIVE_REQUIRED": "archive exercice due",
    "ALREADY_ARCHIVED": "deja archive",
    "NOTHING_TO_ARCHIVE": "rien a archiver",
    "BAD_AMOUNT": "montant invalide",
    "BAD_TIME": "horloge invalide",
    "CLOCK_BEHIND": "horloge en retard",
    "CLOCK_STEP": "heure a confirmer",
    "MEMORY_FULL": "memoire pleine",
    "RESTORE_DONE": "deja restauree",
}
PRINTER_MESSAGES = {
    "offline": "imprimante eteinte",
    "paper-out": "plus de papier",
    "cover-open": "capot ouvert",
}
