"""The embedded default: a demo merchant, catalogue and operator for the simulator."""

from firmware.config import Customer, Department, Item, Merchant, Operator, TerminalConfig

DEMO_CONFIG = TerminalConfig(
    terminal_id="DEMO-0001",
    merchant=Merchant(
        name="EPICERIE DU MARCHE (DEMO)",
        address=("12 rue des Halles", "75001 Paris"),
        siret="12345678200017",
        naf="4711B",
        vat_number="FR32123456782",
    ),
    items=(
        Item(plu=1, label="Cafe grain 250g", price=450, vat_rate=550),
        Item(plu=2, label="Baguette", price=120, vat_rate=550),
        Item(plu=3, label="Jus d'orange 1L", price=299, vat_rate=550),
        Item(plu=10, label="Sandwich jambon", price=550, vat_rate=1000),
        Item(plu=11, label="Cafe a emporter", price=180, vat_rate=1000),
        Item(plu=20, label="Piles AA x4", price=695, vat_rate=2000),
        Item(plu=21, label="Briquet", price=250, vat_rate=2000),
        Item(plu=22, label="Carte postale", price=150, vat_rate=2000),
    ),
    departments=(
        Department(number=1, label="Epicerie", vat_rate=550),
        Department(number=2, label="Restauration", vat_rate=1000),
        Department(number=3, label="Bazar", vat_rate=2000),
    ),
    operators=(
        Operator(id=1, name="Camille", pin="1234", role="manager"),
        Operator(id=2, name="Sacha", pin="2222", role="cashier"),
        Operator(id=3, name="Dominique", pin="3333", role="accountant"),
    ),
    customers=(
        Customer(id=1, name="SARL Dupont Traiteur", postcode="75002", vat_number="FR40303265045"),
        Customer(id=2, name="Martin Claire", postcode="69003"),
    ),
)
