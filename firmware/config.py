"""The terminal's configuration: merchant identity, catalogue, operators.

Immutable values; a change of configuration is a new value (and, in the
fiscal rules, a JET event with before and after values). Loaded from JSON
by the technician's tools or taken from the embedded demo default.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firmware.rights import ROLES


class ConfigError(ValueError):
    """A configuration file or value is invalid; the message names the field."""


@dataclass(frozen=True)
class Merchant:
    name: str
    address: tuple[str, ...]
    siret: str
    naf: str
    vat_number: str


@dataclass(frozen=True)
class Item:
    """A catalogue item sold by PLU number at a fixed VAT-inclusive price."""

    plu: int
    label: str
    price: int  # cents, VAT included
    vat_rate: int  # percent x 100


@dataclass(frozen=True)
class Department:
    """A department: the cashier types the price, the department gives label and VAT."""

    number: int
    label: str
    vat_rate: int


@dataclass(frozen=True)
class Operator:
    id: int
    name: str
    pin: str
    role: str = "cashier"


@dataclass(frozen=True)
class Customer:
    """A customer of the directory, for invoices (name and postcode are mandatory)."""

    id: int
    name: str
    postcode: str
    vat_number: str = ""


@dataclass(frozen=True)
class TerminalConfig:
    terminal_id: str
    merchant: Merchant
    items: tuple[Item, ...]
    departments: tuple[Department, ...]
    operators: tuple[Operator, ...]
    vat_rates: tuple[int, ...] = (2000, 1000, 550, 210)
    paper_columns: int = 42
    timezone: str = "Europe/Paris"  # IANA name: local time on documents
    fiscal_year_start_month: int = 1
    customers: tuple[Customer, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    def item(self, plu: int) -> Item | None:
        return next((i for i in self.items if i.plu == plu), None)

    def department(self, number: int) -> Department | None:
        return next((d for d in self.departments if d.number == number), None)

    def operator(self, operator_id: int) -> Operator | None:
        return next((o for o in self.operators if o.id == operator_id), None)

    def customer(self, customer_id: int) -> Customer | None:
        return next((c for c in self.customers if c.id == customer_id), None)

    def validate(self) -> None:
        """Raise ConfigError naming the first invalid field."""
        if not self.terminal_id or "," in self.terminal_id:
            raise ConfigError("terminal_id: must be non-empty and without a comma")
        m = self.merchant
        if not (m.siret.isdigit() and len(m.siret) == 14):
            raise ConfigError("merchant.siret: 14 digits expected")
        if not m.name or not m.address:
            raise ConfigError("merchant: name and address are required")
        for rate in self.vat_rates:
            if not 0 <= rate < 10000:
                raise ConfigError(f"vat_rates: {rate} out of range (percent x 100)")
        for item in self.items:
            if item.vat_rate not in self.vat_rates:
                raise ConfigError(f"items[{item.plu}].vat_rate: {item.vat_rate} not in vat_rates")
            if item.price < 0:
                raise ConfigError(f"items[{item.plu}].price: negative")
        for dept in self.departments:
            if dept.vat_rate not in self.vat_rates:
                raise ConfigError(f"departments[{dept.number}].vat_rate: not in vat_rates")
        if len({i.plu for i in self.items}) != len(self.items):
            raise ConfigError("items: duplicate PLU")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"timezone: unknown time zone {self.timezone!r}") from None
        if not self.operators:
            raise ConfigError("operators: at least one is required")
        for op in self.operators:
            if not (op.pin.isdigit() and 4 <= len(op.pin) <= 8):
                raise ConfigError(f"operators[{op.id}].pin: 4 to 8 digits expected")
            if op.role not in ROLES:
                raise ConfigError(f"operators[{op.id}].role: one of {', '.join(ROLES)}")
        if not 1 <= self.fiscal_year_start_month <= 12:
            raise ConfigError("fiscal_year_start_month: 1 to 12")
        for customer in self.customers:
            if not customer.name.strip() or not customer.postcode.strip():
                raise ConfigError(f"customers[{customer.id}]: name and postcode are required")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=True)

    def digest(self) -> str:
        """Return the hex SHA-256 of the canonical JSON: what a JET 401 acknowledges."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> TerminalConfig:
        """Return the configuration in ``text``; raise ConfigError when invalid."""
        try:
            raw: dict[str, Any] = json.loads(text)
            config = cls(
                terminal_id=str(raw["terminal_id"]),
                merchant=Merchant(
                    name=raw["merchant"]["name"],
                    address=tuple(raw["merchant"]["address"]),
                    siret=raw["merchant"]["siret"],
                    naf=raw["merchant"]["naf"],
                    vat_number=raw["merchant"]["vat_number"],
                ),
                items=tuple(Item(**i) for i in raw["items"]),
                departments=tuple(Department(**d) for d in raw["departments"]),
                operators=tuple(Operator(**o) for o in raw["operators"]),
                vat_rates=tuple(raw.get("vat_rates", (2000, 1000, 550, 210))),
                paper_columns=int(raw.get("paper_columns", 42)),
                timezone=str(raw.get("timezone", "Europe/Paris")),
                fiscal_year_start_month=int(raw.get("fiscal_year_start_month", 1)),
                customers=tuple(Customer(**c) for c in raw.get("customers", ())),
                extra=dict(raw.get("extra", {})),
            )
        except KeyError as exc:
            raise ConfigError(f"missing field {exc.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"invalid configuration: {exc}") from None
        config.validate()
        return config
