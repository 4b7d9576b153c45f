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

# Document types; each has its own signature chain and its own numbering (6.2.3.2).
DOC_TICKET = 1
DOC_JET = 8

DOC_NAMES = {
    DOC_TICKET: "TICKET",
    DOC_JET: "JET",
}

# Operation type of a ticket, as it appears in the data to sign.
OP_SALE = "VENTE"

OPERATION_TYPES = (OP_SALE,)

# JET event codes (see docs/SPEC.md, "JET event codes").
JET_START = 80
JET_LOGIN = 81
JET_LOGOUT = 40
JET_SALE_ABANDONED = 320
JET_LINE_VOIDED = 323
JET_INTEGRITY_ERROR = 90

# Payment means, as stored in a ticket's payment lines.
PAY_CASH = 1
PAY_CARD = 2

PAYMENT_NAMES = {
    PAY_CASH: "ESPECES",
    PAY_CARD: "CARTE BANCAIRE",
}

# First-record flag of the data to sign: "O" when the record has a previous
# signature in its chain, "N" on the first record of a chain.
FLAG_CHAINED = "O"
FLAG_FIRST = "N"
