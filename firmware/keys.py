"""Key names of the terminal's keypad, as scripts and the simulator spell them.

One table for the physical keypad, the simulator's buttons and keyboard,
and headless scripts. docs/KEYS.md describes what each key does.
"""

DIGIT_KEYS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "00")
DEPARTMENT_KEYS = ("DEPT1", "DEPT2", "DEPT3", "DEPT4")
FUNCTION_KEYS = (
    "CLEAR",  # clear the entry, or acknowledge an error message
    "X",  # quantity: "3 X 2 PLU" = three of PLU 2
    "PLU",  # the entry is a catalogue PLU number
    "VOID",  # cancel the last line of the open sale (before payment)
    "SUBTOTAL",  # show the amount due
    "CASH",  # pay in cash: the entry is the amount tendered (none = what is due)
    "CARD",  # pay by card: the entry is the amount (none = what is due)
    "CHEQUE",  # pay by cheque, likewise
    "VOUCHER",  # pay with a voucher (bon d'achat), likewise
    "CANCEL",  # abandon the open sale (journaled, JET 320)
    "ENTER",  # confirm an operator code or PIN
    "LOGOUT",  # close the operator's session
    "FUNC",  # run the numbered function typed before it (docs/KEYS.md)
)

KEY_NAMES = DIGIT_KEYS + DEPARTMENT_KEYS + FUNCTION_KEYS


def is_key(name: str) -> bool:
    return name in KEY_NAMES


class KeyScriptError(ValueError):
    """A keypad script names a key that does not exist; says where."""


def parse_key_script(text: str, source: str = "<script>") -> list[str]:
    """Return the key names of a script: names separated by spaces or newlines, ``#`` comments.

    A run of digits stands for its digit keys in order (``1250`` = ``1 2 5 0``).

    Raises KeyScriptError naming the line and the unknown key; nothing is
    pressed from a script with an unknown key.
    """
    keys: list[str] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        for word in line.split("#", 1)[0].split():
            if is_key(word):
                keys.append(word)
            elif word.isascii() and word.isdigit():
                keys.extend(word)
            else:
                raise KeyScriptError(
                    f"{source}:{line_no}: unknown key {word!r} (known keys: {' '.join(KEY_NAMES)})"
                )
    return keys
