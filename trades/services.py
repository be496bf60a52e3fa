"""Recording and closing trades. A trade linked to a goal moves that goal when it
closes — recorded closed, or closed later — in the same transaction; a repeated
external_id returns the original trade and changes nothing; closing twice with the
same values answers the same trade, with other values is a 409."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction

from goals.services import goal_apply_trade, goal_trade_delta
from mastertrade.core import clock, replication
from mastertrade.core.errors import Conflict
from mastertrade.core.money import AMOUNT, quantize
from observability import metrics
from strategies.selectors import strategy_performance_invalidate

from .models import Side, Trade, TradeStatus

# Fields that define a trade's content, for comparing a repeated external_id. Values
# the server derives (a default exit_time, a computed profit_loss) are compared only
# when the client sent them, so a plain retry is always recognised.
OPEN_CONTENT_FIELDS = ("goal_id", "strategy_id", "symbol", "side", "quantity", "entry_price", "entry_time")
CONTENT_FIELDS = (*OPEN_CONTENT_FIELDS, "exit_price", "status")
OPTIONAL_CONTENT_FIELDS = ("profit_loss", "exit_time")
CLEAN_EXCLUDE = ["owner", "goal", "strategy"]

_recorded_hooks = []


def on_trade_recorded(hook):
    """Register `hook(trade)`, called after commit for every newly recorded trade and
    every trade closed (lets alerts react without trades importing it)."""
    _recorded_hooks.append(hook)
    return hook


def computed_profit_loss(*, side: str, quantity: Decimal, entry_price: Decimal, exit_price: Decimal) -> Decimal:
    """P&L of a closed trade when the client sends none: (exit − entry) × quantity for
    LONG, (entry − exit) × quantity for SHORT, rounded to the money precision."""
    move = exit_price - entry_price if side == Side.LONG else entry_price - exit_price
    return quantize(move * quantity, AMOUNT[1])


def _complete_close(trade: Trade, *, now: dt.datetime) -> None:
    """Fill what a closed trade needs and the client may leave out: exit_time (now, but
    not before the entry) and profit_loss (computed)."""
    if trade.exit_time is None:
        trade.exit_time = now if now >= trade.entry_time else trade.entry_time
    if trade.profit_loss is None and trade.exit_price is not None:
        trade.profit_loss = computed_profit_loss(
            side=trade.side, quantity=trade.quantity, entry_price=trade.entry_price, exit_price=trade.exit_price
        )


def _on_commit_invalidate(trade: Trade) -> None:
    if trade.strategy_id is not None:
        strategy_pk = trade.strategy_id
        transaction.on_commit(lambda: strategy_performance_invalidate(strategy_pk=strategy_pk))


def _same_content(existing: Trade, candidate: Trade, sent: set[str]) -> bool:
    if existing.status == TradeStatus.CLOSED and candidate.status == TradeStatus.OPEN:
        fields = OPEN_CONTENT_FIELDS  # a retry of the request that opened a trade closed since
    else:
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
    under the same external_id is a Conflict. The goal and strategy must be the
    owner's (the API resolves them among the owner's own)."""
    now = now or clock.now()
    sent = {name for name, value in (("profit_loss", profit_loss), ("exit_time", exit_time)) if value is not None}
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
    if status == TradeStatus.CLOSED:
        _complete_close(trade, now=now)
    trade.full_clean(exclude=CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
    if goal is not None:
        goal_trade_delta(goal=goal, profit_loss=Decimal(0))  # the goal can take trades

    if external_id is not None:
        existing = Trade.objects.filter(owner=owner, external_id=external_id).first()
        if existing is not None:
            return _replay(existing, trade, sent)
    try:
        with transaction.atomic():
            trade.save()
            if status == TradeStatus.CLOSED and goal is not None:
                goal_apply_trade(goal_id=goal.pk, profit_loss=trade.profit_loss, now=now)
            _on_commit_invalidate(trade)
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
    replication.confirm_replicated()  # its first commit may have been kept without the standby
    return existing, False


@transaction.atomic
def trade_close(
    *,
    trade: Trade,
    exit_price: Decimal,
    exit_time: dt.datetime | None = None,
    profit_loss: Decimal | None = None,
    now: dt.datetime | None = None,
) -> tuple[Trade, bool]:
    """Close an open trade and move its goal, in one transaction under the trade's row
    lock. Returns (trade, closed_now). Closing a closed trade with the same values (those
    sent) answers it unchanged; with other values it is a Conflict. A closed trade never
    reopens or changes."""
    now = now or clock.now()
    trade = Trade.objects.select_for_update().get(pk=trade.pk)
    if trade.status == TradeStatus.CLOSED:
        sent = {"exit_price": exit_price, "exit_time": exit_time, "profit_loss": profit_loss}
        if all(getattr(trade, field) == value for field, value in sent.items() if value is not None):
            return trade, False
        raise Conflict(
            f"Trade {trade.pk} is already closed with other values; a closed trade does not change.",
            code="trade_already_closed",
        )
    trade.status = TradeStatus.CLOSED
    trade.exit_price, trade.exit_time, trade.profit_loss = exit_price, exit_time, profit_loss
    _complete_close(trade, now=now)
    trade.full_clean(exclude=CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
    trade.save(update_fields=["status", "exit_price", "exit_time", "profit_loss"])
    if trade.goal_id is not None:
        goal_apply_trade(goal_id=trade.goal_id, profit_loss=trade.profit_loss, now=now)
    _on_commit_invalidate(trade)
    transaction.on_commit(lambda: [hook(trade) for hook in _recorded_hooks])
    return trade, True
