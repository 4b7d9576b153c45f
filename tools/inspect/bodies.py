"""Record bodies decoded from CBOR values, one shape per document type (docs/SPEC.md §4).

The field types are those of the specification: ``uint`` fields must be
integers ≥ 0, texts must be text strings, arrays must have exactly their
number of fields. What the types allow but the rules forbid (a negative
quantity on a sale, an unknown means of payment) is decoded and left to
``tools.inspect.rules``, so that it is reported with the record's place.

Types are compared exactly (``type(x) is int``: a bool is an int subclass)
and integers must be within the format's range, so that a body that
decodes here holds nothing but the format's types (``decode`` relies on
it).
"""

from __future__ import annotations

from tools.inspect.model import (
    CLOSURE_TYPES,
    COUNT_NAMES,
    DIGEST_BYTES,
    DOC_ARCHIVE,
    DOC_DUPLICATE,
    DOC_INVOICE,
    DOC_JET,
    DOC_NOTE,
    DOC_TICKET,
    DOC_TRAINING,
    OPERATION_BY_CODE,
    TICKET_FIELDS,
    ArchiveBody,
    Body,
    ClosureBody,
    DuplicateBody,
    InvoiceBody,
    JetBody,
    Line,
    NoteBody,
    OtherBody,
    Pairs,
    Payment,
    TicketBody,
)

CborValue = int | str | bytes | list["CborValue"]
INT_LIMIT = 2**64  # integers are within ±2^64: beyond, CBOR needs a bignum tag
KNOWN_BODIES = frozenset(
    (
        DOC_TICKET,
        DOC_TRAINING,
        DOC_JET,
        DOC_INVOICE,
        DOC_DUPLICATE,
        *CLOSURE_TYPES,
        DOC_ARCHIVE,
        DOC_NOTE,
    )
)  # the document types whose body has a shape here (any other is kept as OtherBody)


class FieldError(Exception):
    """A field whose CBOR type or shape is not the one of the specification."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def decode_body(doc_type: int, value: CborValue) -> Body:
    """Return the body of a record of ``doc_type``; raise FieldError on a wrong shape."""
    if doc_type in (DOC_TICKET, DOC_TRAINING):
        return _ticket(value)
    if doc_type == DOC_JET:
        f = array(value, 4, "corps de la ligne JET")
        return JetBody(
            uint(f[0], "code d'événement"),
            text(f[1], "texte"),
            integer(f[2], "montant"),
            uint(f[3], "ticket concerné"),
        )
    if doc_type == DOC_INVOICE:
        f = array(value, 7, "corps de la facture")
        return InvoiceBody(
            ticket_number=uint(f[0], "ticket facturé"),
            kind=text(f[1], "nature de la facture"),
            customer=text(f[2], "client"),
            postcode=text(f[3], "code postal"),
            vat_number=text(f[4], "numéro de TVA"),
            vat=pairs(f[5], "TVA de la facture"),
            total=integer(f[6], "total de la facture"),
        )
    if doc_type == DOC_DUPLICATE:
        f = array(value, 3, "corps du duplicata")
        return DuplicateBody(
            uint(f[0], "type de l'original"),
            uint(f[1], "numéro de l'original"),
            uint(f[2], "numéro de réimpression"),
        )
    if doc_type in CLOSURE_TYPES:
        return _closure(value)
    if doc_type == DOC_ARCHIVE:
        return _archive(value)
    if doc_type == DOC_NOTE:
        f = array(value, 2, "corps de la note")
        lines = tuple(_line(item) for item in array(f[0], -1, "lignes"))
        return NoteBody(lines, uint(f[1], "nombre de personnes"))
    return OtherBody(tuple(array(value, -1, "corps")))


def _operation(code: int) -> str:
    """Return the operation a code stands for; an unknown one as ``code N`` (a finding)."""
    return OPERATION_BY_CODE.get(code, f"code {code}")


TicketFields = tuple[int, list[CborValue], list[CborValue], int, int, int, int, str, bytes]


def ticket_fields(f: list[CborValue]) -> TicketFields | None:
    """Return the TICKET_FIELDS items ``f`` of a ticket body, typed, when they have their exact
    types and ranges (checked at once; its lines and payments: their own functions); else None.
    """
    operation, lines, payments, change, gt_real, gt_absolute, ref, reason, gt_signature = f
    if (
        type(operation) is int
        and type(lines) is list
        and type(payments) is list
        and type(change) is int
        and type(gt_real) is int
        and type(gt_absolute) is int
        and type(ref) is int
        and type(reason) is str
        and type(gt_signature) is bytes
        and min(operation, change, gt_absolute, ref) >= 0
        and max(operation, change, gt_absolute, ref) < INT_LIMIT
        and -INT_LIMIT <= gt_real < INT_LIMIT
    ):
        return operation, lines, payments, change, gt_real, gt_absolute, ref, reason, gt_signature
    return None


def _ticket(value: CborValue) -> TicketBody:
    f = array(value, TICKET_FIELDS, "corps du ticket")
    fields = ticket_fields(f)
    if fields is not None:
        operation, lines, payments, change, gt_real, gt_absolute, ref, reason, gt_signature = fields
        return TicketBody(
            _operation(operation),
            tuple([_line(item) for item in lines]),
            tuple([_payment(item) for item in payments]),
            change,
            gt_real,
            gt_absolute,
            ref,
            reason,
            gt_signature,
        )
    return TicketBody(  # field by field, to say which is wrong
        operation=_operation(uint(f[0], "type d'opération")),
        lines=tuple(_line(item) for item in array(f[1], -1, "lignes")),
        payments=tuple(_payment(item) for item in array(f[2], -1, "paiements")),
        change=uint(f[3], "rendu monnaie"),
        gt_real=integer(f[4], "grand total perpétuel réel"),
        gt_absolute=uint(f[5], "grand total perpétuel absolu"),
        ref_number=uint(f[6], "ticket retourné"),
        reason=text(f[7], "motif du retour"),
        gt_signature=blob(f[8], "signature GT_TICKET"),
    )


def _closure(value: CborValue) -> ClosureBody:
    f = array(value, 12, "corps de la clôture")
    counts = array(f[9], len(COUNT_NAMES), "compteurs")
    return ClosureBody(
        label=text(f[0], "période"),
        from_seq=uint(f[1], "premier enregistrement"),
        vat=pairs(f[2], "TVA de la période"),
        total_real=integer(f[3], "total réel"),
        total_absolute=uint(f[4], "total absolu"),
        previous_gt_real=integer(f[5], "grand total à la clôture précédente"),
        gt_real=integer(f[6], "grand total perpétuel réel"),
        gt_absolute=uint(f[7], "grand total perpétuel absolu"),
        payments=pairs(f[8], "paiements de la période"),
        counts=tuple(uint(c, "compteur") for c in counts),
        cash_float=integer(f[10], "fonds de caisse"),
        cash_moves=integer(f[11], "mouvements d'espèces"),
    )


def _archive(value: CborValue) -> ArchiveBody:
    f = array(value, 9, "corps de l'archive")
    return ArchiveBody(
        kind=text(f[0], "nature de l'archive"),
        closure_type=uint(f[1], "type de la clôture archivée"),
        closure_number=uint(f[2], "numéro de la clôture archivée"),
        from_seq=uint(f[3], "premier enregistrement archivé"),
        to_seq=uint(f[4], "dernier enregistrement archivé"),
        vat=pairs(f[5], "TVA de la période archivée"),
        total=integer(f[6], "total de la période archivée"),
        file_name=text(f[7], "nom du fichier d'archive"),
        file_digest=blob(f[8], "empreinte du fichier d'archive", DIGEST_BYTES),
    )


def _line(value: CborValue) -> Line:
    if type(value) is list and len(value) == 5:
        ref, label, quantity, price, rate = value
        if (
            type(ref) is str
            and type(label) is str
            and type(quantity) is int
            and type(price) is int
            and type(rate) is int
            and min(quantity, price) >= -INT_LIMIT
            and max(quantity, price) < INT_LIMIT
            and 0 <= rate < INT_LIMIT
        ):  # every type at once; else field by field below, to say which is wrong
            return Line(ref, label, quantity, price, rate)
    f = array(value, 5, "ligne")
    return Line(
        text(f[0], "référence"),
        text(f[1], "libellé"),
        integer(f[2], "quantité"),
        integer(f[3], "prix unitaire"),
        uint(f[4], "taux de TVA"),
    )


def _payment(value: CborValue) -> Payment:
    if type(value) is list and len(value) == 2:
        means, amount = value
        if (
            type(means) is int
            and type(amount) is int
            and 0 <= means < INT_LIMIT
            and -INT_LIMIT <= amount < INT_LIMIT
        ):
            return Payment(means, amount)
    f = array(value, 2, "paiement")
    return Payment(uint(f[0], "moyen de paiement"), integer(f[1], "montant du paiement"))


def pairs(value: CborValue, what: str) -> Pairs:
    """Return ``[[uint, int], …]`` (rate or means, amount) as pairs, in stored order."""
    result = []
    for item in array(value, -1, what):
        f = array(item, 2, what)
        result.append((uint(f[0], what), integer(f[1], what)))
    return tuple(result)


def array(value: CborValue, length: int, what: str) -> list[CborValue]:
    """Return ``value`` if it is an array of ``length`` items (any length when < 0)."""
    if type(value) is not list:
        raise FieldError(f"{what} n'est pas un tableau CBOR")
    if length >= 0 and len(value) != length:
        raise FieldError(f"{what} a {len(value)} champs au lieu de {length}")
    return value


def integer(value: CborValue, what: str) -> int:
    if type(value) is not int or not -INT_LIMIT <= value < INT_LIMIT:
        raise FieldError(f"champ {what} : entier attendu")
    return value


def uint(value: CborValue, what: str) -> int:
    if integer(value, what) < 0:
        raise FieldError(f"champ {what} : entier positif ou nul attendu")
    return value  # type: ignore[return-value]


def text(value: CborValue, what: str) -> str:
    if type(value) is not str:
        raise FieldError(f"champ {what} : texte attendu")
    return value


def blob(value: CborValue, what: str, length: int = -1) -> bytes:
    """Return ``value`` if it is a byte string (of ``length`` bytes when ≥ 0)."""
    if type(value) is not bytes or (length >= 0 and len(value) != length):
        size = "octets" if length < 0 else f"{length} octets"
        raise FieldError(f"champ {what} : {size} attendus")
    return value
