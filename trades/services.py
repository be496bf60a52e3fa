"""Recording trades. A closed trade linked to a goal moves that goal in the same
transaction; a repeated external_id returns the original trade and changes nothing."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction

from goals.services import goal_apply_trade
from mastertrade.core import clock, metrics
from mastertrade.core.errors import ApplicationError, Conflict
from mastertrade.core.money import AMOUNT, quantize
from strategies.selectors import strategy_performance_invalidate

from .models import Side, Trade, TradeStatus

# Fields that define a trade's content, for comparing a repeated external_id. Values
# the server derives (a default exit_time, a computed profit_loss) are compared only
# when the client sent them, so a plain retry is always recognised.
CONTENT_FIELDS = (
    "goal_id",
    "strategy_id",
    "symbol",
    "side",
    "quantity",
    "entry_price",
    "exit_price",
    "entry_time",
    "status",
)
OPTIONAL_CONTENT_FIELDS = ("profit_loss", "exit_time")

_recorded_hooks = []


def on_trade_recorded(hook):
    """Register `hook(trade)`, called after commit for every newly recorded trade (lets
    alerts react without trades importing it)."""
    _recorded_hooks.append(hook)
    return hook


def computed_profit_loss(*, side: str, quantity: Decimal, entry_price: Decimal, exit_price: Decimal) -> Decimal:
    """P&L of a closed trade when the client sends none: (exit − entry) × quantity for
    LONG, (entry − exit) × quantity for SHORT, rounded to the money precision."""
    move = exit_price - entry_price if side == Side.LONG else entry_price - exit_price
    return quantize(move * quantity, AMOUNT[1])


def _same_content(existing: Trade, candidate: Trade, sent: set[str]) -> bool:
    fields = CONTENT_FIELDS + tuple(f for f in OPTIONAL_CONTENT_FIELDS if f in sent)
    return all(getattr(existing, f) == getattr(candidate, f) for f in fields)


def trade_record(
    *,
    owner,
    symbol: str,
    side: str,
    quantity: Decimal,
    entry_price: Decimal,
    entry_time: dt.datetime,
    status: str = TradeStatus.OPEN,
    goal=None,
    strategy=None,
    exit_price: Decimal | None = None,
    profit_loss: Decimal | None = None,
    exit_time: dt.datetime | None = None,
    external_id: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[Trade, bool]:
    """Record a trade. Returns (trade, created): created is False when `external_id`
    was already recorded with the same content (nothing changes); different content
    under the same external_id is a Conflict."""
    now = now or clock.now()
    sent = {name for name, value in (("profit_loss", profit_loss), ("exit_time", exit_time)) if value is not None}
    for obj, field in ((goal, "goal"), (strategy, "strategy")):
        if obj is not None and obj.owner_id != owner.pk:
            raise ApplicationError("Invalid input.", code="validation_error", errors={field: ["No such object."]})
    if status == TradeStatus.CLOSED:
        if exit_price is None:
            raise ApplicationError(
                "Invalid input.",
                code="validation_error",
                errors={"exit_price": ["A closed trade needs an exit_price."]},
            )
        if exit_time is None:
            exit_time = now if now >= entry_time else entry_time
        if profit_loss is None:
            profit_loss = computed_profit_loss(
                side=side, quantity=quantity, entry_price=entry_price, exit_price=exit_price
            )
    trade = Trade(
        owner=owner,
        goal=goal,
        strategy=strategy,
        symbol=symbol.upper(),
        side=side,
        quantity=quantity,
        entry_price=entry_price,
        exit_price=exit_price,
        profit_loss=profit_loss,
        entry_time=entry_time,
        exit_time=exit_time,
        status=status,
        external_id=external_id,
    )
    trade.full_clean(exclude=["owner", "goal", "strategy"], validate_unique=False, validate_constraints=False)

    if external_id is not None:
        existing = Trade.objects.filter(owner=owner, external_id=external_id).first()
        if existing is not None:
            return _replay(existing, trade, sent)
    try:
        with transaction.atomic():
            trade.save()
            if status == TradeStatus.CLOSED and goal is not None:
                goal_apply_trade(goal_id=goal.pk, profit_loss=profit_loss, now=now)
            if trade.strategy_id is not None:
                transaction.on_commit(lambda: strategy_performance_invalidate(strategy_pk=trade.strategy_id))
            transaction.on_commit(lambda: [hook(trade) for hook in _recorded_hooks])
    except IntegrityError:
        # A concurrent request with the same external_id won the race.
        existing = Trade.objects.filter(owner=owner, external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return _replay(existing, trade, sent)
    metrics.record_trade(status=status)
    return trade, True


def _replay(existing: Trade, candidate: Trade, sent: set[str]) -> tuple[Trade, bool]:
    if not _same_content(existing, candidate, sent):
        raise Conflict(
            f"external_id {existing.external_id!r} was already recorded with different content (trade {existing.pk}).",
            code="idempotency_conflict",
        )
    return existing, False
