"""Roles and rights: which role may do what (5.4.10). One table, printed on demand.

The same table is in docs/KEYS.md. Every record names its operator; an
operator's role comes from the configuration.
"""

ROLE_ADMIN = "admin"
ROLE_MANAGER = "manager"
ROLE_CASHIER = "cashier"
ROLE_ACCOUNTANT = "accountant"  # accountant or tax inspector: reads, never sells

ROLES = (ROLE_ADMIN, ROLE_MANAGER, ROLE_CASHIER, ROLE_ACCOUNTANT)

ROLE_NAMES = {
    ROLE_ADMIN: "Administrateur",
    ROLE_MANAGER: "Responsable",
    ROLE_CASHIER: "Caissier",
    ROLE_ACCOUNTANT: "Comptable / inspecteur",
}

SELLERS = frozenset({ROLE_ADMIN, ROLE_MANAGER, ROLE_CASHIER})
MANAGERS = frozenset({ROLE_ADMIN, ROLE_MANAGER})
ADMINS = frozenset({ROLE_ADMIN})
EVERYONE = frozenset(ROLES)

# Rights that are not a numbered function.
SELL = "sell"  # ring up sales, take payments, void a line, abandon a sale
OPEN_PERIOD = "open-period"  # enter the cash float
CONFIRM_CLOCK = "confirm-clock"  # confirm the time after a clock step (JET 911)

# Numbered functions (`<n> FUNC` on the keypad): number -> (right, display name, roles).
FUNCTIONS: dict[int, tuple[str, str, frozenset[str]]] = {
    1: ("report-x", "RAPPORT X", EVERYONE),
    2: ("close-day", "CLOTURE JOUR (Z)", MANAGERS),
    3: ("close-month", "CLOTURE MOIS", MANAGERS),
    4: ("close-year", "CLOTURE EXERCICE", MANAGERS),
    5: ("cash-in", "ENTREE ESPECES", MANAGERS),
    6: ("cash-out", "SORTIE ESPECES", MANAGERS),
    7: ("drawer-count", "COMPTAGE TIROIR", SELLERS),
    8: ("training", "MODE FORMATION", MANAGERS),
    9: ("version", "VERSION", EVERYONE),
    10: ("duplicate", "DUPLICATA", SELLERS),
    11: ("return", "RETOUR", MANAGERS),
    12: ("invoice", "FACTURE", SELLERS),
    13: ("note", "NOTE PROVISOIRE", SELLERS),
    14: ("payment-proof", "JUSTIFICATIF", SELLERS),
    15: ("rights", "LISTE DES DROITS", EVERYONE),
    16: ("print-pending", "TICKETS NON IMPRIMES", SELLERS),
    17: ("archive", "ARCHIVE FISCALE", MANAGERS),
    18: ("backup", "SAUVEGARDE", MANAGERS),
    19: ("restore", "RESTAURATION", ADMINS),
}

OTHER_RIGHTS: dict[str, tuple[str, frozenset[str]]] = {
    SELL: ("VENTE", SELLERS),
    OPEN_PERIOD: ("FOND DE CAISSE", SELLERS),
    CONFIRM_CLOCK: ("CONFIRMER L'HEURE", MANAGERS),
}


def allowed(role: str, right: str) -> bool:
    """Return True when ``role`` holds ``right`` (a function's right or one of OTHER_RIGHTS)."""
    for name, _, roles in FUNCTIONS.values():
        if name == right:
            return role in roles
    entry = OTHER_RIGHTS.get(right)
    return entry is not None and role in entry[1]


def rights_table() -> list[tuple[str, str, list[str]]]:
    """Return (key, name, role names) for every right, as printed by function 15."""
    rows = [(name, label, roles) for name, (label, roles) in OTHER_RIGHTS.items()]
    rows += [(f"{n} FUNC", label, roles) for n, (_, label, roles) in sorted(FUNCTIONS.items())]
    return [
        (key, label, [ROLE_NAMES[r] for r in ROLES if r in roles]) for key, label, roles in rows
    ]
