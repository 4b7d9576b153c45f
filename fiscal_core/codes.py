"""Stable numeric codes of the fiscal format: document types, JET events, payment means.

These numbers are written on flash and signed: never renumber one, only add.
The tables are repeated, with their meaning, in docs/SPEC.md.
"""

FORMAT_VERSION = 1

# Bounds of the format (docs/SPEC.md section 4): what a record can represent.
MAX_RECORD_BYTES = 0xFFFF  # a journal frame's u16 length
MAX_VAT_RATE = 9999  # written on 4 digits in the data to sign
MAX_TIME_UTC = 253402300799  # 9999-12-31T23:59:59Z, the last YYYYMMDDHHMMSS
MAX_UTC_OFFSET_MINUTES = 18 * 60

# Document types; each has its own signature chain and numbering (6.2.3.2).
DOC_TICKET = 1
DOC_GT_TICKET = 2  # the grand-total-ticket chain: a signature inside each ticket
DOC_INVOICE = 3
DOC_DUPLICATE = 4
DOC_GT_PERIOD = 5  # daily closure (Z)
DOC_GT_MONTH = 6
DOC_GT_YEAR = 7
DOC_JET = 8
DOC_ARCHIVE = 9  # a fiscal archive file made on the terminal, signed by its digest
DOC_TRAINING = 10  # training-mode ticket, counted nowhere
DOC_NOTE = 11  # note before payment (DOCUMENT PROVISOIRE), split per person

DOC_NAMES = {
    DOC_TICKET: "TICKET",
    DOC_GT_TICKET: "GT_TICKET",
    DOC_INVOICE: "FACTURE",
    DOC_DUPLICATE: "DUPLICATA",
    DOC_GT_PERIOD: "GT_PERIODE",
    DOC_GT_MONTH: "GT_MOIS",
    DOC_GT_YEAR: "GT_EXERCICE",
    DOC_JET: "JET",
    DOC_ARCHIVE: "ARCHIVE",
    DOC_TRAINING: "FORMATION",
    DOC_NOTE: "NOTE",
}

CLOSURE_TYPES = (DOC_GT_PERIOD, DOC_GT_MONTH, DOC_GT_YEAR)

# Operation type of a ticket, as it appears in the data to sign.
OP_SALE = "VENTE"
OP_RETURN = "RETOUR"

# ... and as it is stored in a ticket body (field 0): a small integer, one byte of CBOR
# where the text takes six or seven (docs/SPEC.md section 4).
OPERATION_CODES = {OP_SALE: 1, OP_RETURN: 2}
OPERATION_BY_CODE = {code: operation for operation, code in OPERATION_CODES.items()}

# Archive kinds, as they appear in the data to sign.
ARCHIVE_PERIOD = "PERIODE"  # a day or a month
ARCHIVE_YEAR = "EXERCICE"

# Invoice kinds, as they appear in the data to sign.
INVOICE_SALE = "FACTURE"
INVOICE_CREDIT = "AVOIR"

# JET event codes (docs/SPEC.md, "JET event codes").
JET_PERIOD_ARCHIVE = 20
JET_YEAR_ARCHIVE = 30
JET_LOGOUT = 40
JET_PERIOD_CLOSURE = 50
JET_YEAR_CLOSURE = 60
JET_MONTH_CLOSURE = 65
JET_PRINTER_OFFLINE = 70
JET_START = 80
JET_LOGIN = 81
JET_INTEGRITY_ERROR = 90
JET_INTEGRITY_CLEARED = 91  # a technician's release of an integrity alarm
JET_TRAINING_ON = 100
JET_TRAINING_OFF = 105
JET_PRINTER_BACK = 120
JET_USER_CHANGE = 130
JET_DUPLICATE = 155
JET_CASH_MOVE = 170  # amount > 0 cash in, < 0 cash out
JET_CASH_FLOAT = 171  # opens a period; amount = float put in the drawer
JET_DRAWER_COUNT = 172  # amount = cash counted
JET_RETURN = 190
JET_REPORT_X = 200
JET_RIGHTS_PRINTED = 210
JET_VERSION_PRINTED = 220
JET_INSPECTION_OPEN = 230  # an inspector opened a session on the serial link
JET_INSPECTION_HEAD = 231  # ... and took the head statement (text: the range read)
JET_SALE_ABANDONED = 320
JET_LINE_VOIDED = 323
JET_CONFIG_CHANGE = 400
JET_CONFIG_ACK = 401  # text = digest of the configuration now in force
JET_COMPANY_CHANGE = 410
JET_RECEIPT_NOT_PRINTED = 901
JET_RECEIPT_PRINTED_LATE = 902
JET_NOTE_PRINTED = 903  # reserved: notes are NOTE records (doc_type 11)
JET_PAYMENT_PROOF = 904
JET_CLOCK_STEP = 910  # text: the size, before -> after (local time), confirmed or set right
JET_CLOCK_CONFIRMED = 911  # a manager confirmed the time after a clock step; operator = the manager
JET_VERSION_CHANGE = 915  # the software version differs from the previous start-up's
JET_MEMORY_WARNING = 920  # the fiscal memory is 90 % full or more
JET_SELF_TEST = 930  # self-test at start-up and at each daily closure: what was checked
JET_CHECKPOINT_REFUSED = 935  # a checkpoint failed a check: why; the whole journal was verified
JET_TORN_FRAME = 936  # a frame torn by a power cut during its append, skipped: where, its bytes
JET_BACKUP = 940  # a backup of the fiscal memory, journaled before it is written (text: its name)
JET_RESTORE_REFUSED = 941  # a restore refused by its checks, nothing restored (text: the reason)
JET_RESTORE_DONE = 942  # a restore carried out, journaled after it (text: backup, records added)
JET_BACKUP_FAILED = 943  # the backup journaled by the 940 before it could not be written

# Payment means, as stored in a ticket's payment lines.
PAY_CASH = 1
PAY_CARD = 2
PAY_CHEQUE = 3
PAY_VOUCHER = 4

PAYMENT_NAMES = {
    PAY_CASH: "ESPECES",
    PAY_CARD: "CARTE BANCAIRE",
    PAY_CHEQUE: "CHEQUE",
    PAY_VOUCHER: "BON D'ACHAT",
}

# First-record flag of the data to sign: "O" when the record has a previous
# signature in its chain, "N" on the first record of a chain.
FLAG_CHAINED = "O"
FLAG_FIRST = "N"
