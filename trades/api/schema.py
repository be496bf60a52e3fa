"""OpenAPI descriptions and examples of the trades endpoints, applied in views.py as
`@extend_schema(**schema.X)`."""

from drf_spectacular.utils import OpenApiExample

from mastertrade.core.api import READ_ERRORS, WRITE_ERRORS, error
from mastertrade.core.schema import link, links_add

from .serializers import TradeCloseSerializer, TradeInputSerializer, TradeSerializer

TRADE_EXAMPLE = OpenApiExample(
    "A closed trade",
    value={
        "goal": 1,
        "strategy": "btc-momentum",
        "symbol": "BTCUSDT",
        "side": "LONG",
        "quantity": "0.5",
        "entry_price": "40000",
        "exit_price": "40800",
        "profit_loss": "400",
        "entry_time": "2026-12-01T10:00:00Z",
        "exit_time": "2026-12-01T14:00:00Z",
        "status": "closed",
        "external_id": "engine-7f3a",
    },
    request_only=True,
)
TRADE_RESPONSE_EXAMPLE = OpenApiExample(
    "A recorded trade",
    value={
        "id": 12,
        "goal": 1,
        "strategy": "btc-momentum",
        "symbol": "BTCUSDT",
        "side": "LONG",
        "quantity": "0.50000000",
        "entry_price": "40000.00000000",
        "exit_price": "40800.00000000",
        "profit_loss": "400.0000",
        "entry_time": "2026-12-01T10:00:00Z",
        "exit_time": "2026-12-01T14:00:00Z",
        "status": "closed",
        "external_id": "engine-7f3a",
        "created_at": "2026-12-01T14:00:01Z",
    },
    response_only=True,
)

TRADE_LIST = dict(
    summary="List your trades",
    description="Your trades, newest entry first, paginated.",
    responses={200: TradeSerializer(many=True), **READ_ERRORS},
    examples=[TRADE_RESPONSE_EXAMPLE],
)
TRADE_RECORD = dict(
    summary="Record a trade",
    description="Record a trade. A closed trade linked to a goal moves the goal's `current_value` in the same "
    "transaction (`monthly_income`/`portfolio_value` by `profit_loss`; `monthly_return` by "
    "`profit_loss / capital_base × 100`). A closed trade needs `exit_price`; without `profit_loss` it "
    "is computed as (exit − entry) × quantity (LONG) or (entry − exit) × quantity (SHORT); without "
    "`exit_time` it is now. An open trade carries no exit fields; it is closed later with "
    "`POST /trades/{id}/close/`. `exit_time` is never before `entry_time`. These rules across fields answer "
    "400 `invalid_combination`; a goal or strategy that is not yours answers 400 `unknown_reference`. "
    "Repeating an `external_id` with the same content answers the original trade with 200 and changes "
    "nothing (also after the trade was closed); different content is a 409.",
    request=TradeInputSerializer,
    responses={
        201: TradeSerializer,
        200: TradeSerializer,
        409: error("external_id reused with other content."),
        **WRITE_ERRORS,
    },
    examples=[TRADE_EXAMPLE, TRADE_RESPONSE_EXAMPLE],
)
TRADE_GET = dict(
    summary="Get a trade",
    description="One of your trades.",
    responses={200: TradeSerializer, **READ_ERRORS},
    examples=[TRADE_RESPONSE_EXAMPLE],
)
TRADE_CLOSE = dict(
    summary="Close an open trade",
    description="Close one of your open trades: `exit_price`, and optionally `exit_time` (default now, never "
    "before the entry; earlier than `entry_time` is 400 `invalid_combination`) and `profit_loss` (default "
    "(exit − entry) × quantity for LONG, (entry − exit) × quantity for SHORT). A trade linked to a goal moves "
    "the goal in the same transaction, under the trade's row lock. Closing a closed trade with the same values "
    "(those you send) answers the trade unchanged (200); with other values it is a 409 `trade_already_closed`: "
    "a closed trade never reopens or changes.",
    request=TradeCloseSerializer,
    responses={
        200: TradeSerializer,
        409: error("The trade is already closed with other values."),
        **WRITE_ERRORS,
        **READ_ERRORS,
    },
    examples=[
        OpenApiExample(
            "Close",
            value={"exit_price": "40800", "exit_time": "2026-12-01T14:00:00Z"},
            request_only=True,
        ),
        TRADE_RESPONSE_EXAMPLE,
    ],
)

_TRADE_ID = {"id": "$response.body#/id"}
_TRADE_LINKS = {
    "GetTrade": link("v1_trades_retrieve", parameters=_TRADE_ID),
    "CloseTrade": link("v1_trades_close_create", parameters=_TRADE_ID),
}
links_add("v1_trades_create", 201, _TRADE_LINKS)
links_add("v1_trades_create", 200, _TRADE_LINKS)
links_add("v1_trades_close_create", 200, {"GetTrade": link("v1_trades_retrieve", parameters=_TRADE_ID)})
