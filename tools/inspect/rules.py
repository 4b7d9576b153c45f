"""Business rules of a ticket that its signature does not check (docs/SPEC.md §4).

A valid signature proves the terminal wrote a ticket, not that the ticket
adds up: these rules catch a terminal that signed wrong amounts. Each
returns its problems in French, for the inspector.
"""

from __future__ import annotations

from tools.inspect.model import OPERATION_SALE, PAY_CASH, PAYMENT_MEANS, TicketBody, euros


def ticket_problems(body: TicketBody, previous_totals: tuple[int, int] | None) -> list[str]:
    """Return what is wrong with a ticket's amounts.

    ``previous_totals`` is (real, absolute) perpetual grand totals after the
    ticket before it in its chain, (0, 0) for the first ticket, None when
    unknown (the perpetual totals are then not checked).
    """
    problems: list[str] = []
    if body.operation != OPERATION_SALE:
        problems.append(f"type d'opération « {body.operation} » inconnu")
    if not body.lines:
        problems.append("ticket sans ligne")
    for position, line in enumerate(body.lines, 1):
        if line.quantity <= 0 and body.operation == OPERATION_SALE:
            problems.append(f"ligne {position} : quantité {line.quantity} sur une vente")
    for payment in body.payments:
        if payment.means not in PAYMENT_MEANS:
            problems.append(f"moyen de paiement {payment.means} inconnu")
        if payment.amount <= 0:
            problems.append(f"paiement de {euros(payment.amount)}")
    total = body.total
    if body.paid - body.change != total:
        problems.append(
            f"paiements {euros(body.paid)} − rendu {euros(body.change)} ≠ total {euros(total)}"
        )
    cash = sum(p.amount for p in body.payments if p.means == PAY_CASH)
    if body.change > cash:
        problems.append(f"rendu {euros(body.change)} supérieur aux espèces {euros(cash)}")
    if previous_totals is not None:
        real, absolute = previous_totals
        if body.gt_real != real + total:
            problems.append(
                f"grand total perpétuel réel {euros(body.gt_real)} au lieu de {euros(real + total)}"
            )
        if body.gt_absolute != absolute + body.absolute_total:
            problems.append(
                f"grand total perpétuel absolu {euros(body.gt_absolute)} "
                f"au lieu de {euros(absolute + body.absolute_total)}"
            )
    return problems
