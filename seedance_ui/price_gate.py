"""No take is sent on a price that needs WaveSpeed's quote until that quote has come back.

A formula that can't be worked out here (a helper only WaveSpeed's servers have, an error, more work than the
bound) or that gives something that can't be a price ($0.00, a negative amount, 1e27) leaves the Plan's price a
placeholder (``Price.needs_server_quote``). Before anything is uploaded or submitted for such a plan, WaveSpeed
is asked (``POST /api/v3/model/price`` with the take's full inputs); its answer becomes the plan's price, the one
the journal records. When the quote can't be had, or isn't a price either, the take is refused plainly and
nothing is sent.
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP
from typing import TYPE_CHECKING

from . import pricing
from .errors import NotReady, SeedanceError
from .plan import Plan
from .words.said import said

if TYPE_CHECKING:
    from .door import VisitorDoor


async def priced_by_wavespeed(session: VisitorDoor, plan: Plan) -> Plan:
    """The plan itself when its price is known here; otherwise the plan priced by WaveSpeed's quote, or NotReady
    (before anything is sent) when that quote can't be had."""
    if not plan.price.needs_server_quote:
        return plan
    try:
        quoted = await session.wavespeed.quote(plan.spec.id, plan.payload(0, None))
    except SeedanceError as e:
        raise NotReady(said("price.refused_unquoted", model=plan.spec.name, why=e.said)) from None
    if not pricing.is_a_price(quoted):
        raise NotReady(
            said("price.refused_unquoted", model=plan.spec.name, why=said("price.not_a_price", said=str(quoted)))
        )
    seconds = plan.price.priced_duration or plan.price.duration
    price = dataclasses.replace(
        plan.price, per_take=quoted.quantize(pricing.CENT, ROUND_HALF_UP), per_second=quoted / seconds,
        kind=pricing.QUOTED, published=True, what_if=(),
        source=said("price.source_quoted"),
    )  # fmt: skip
    return dataclasses.replace(plan, price=price)
