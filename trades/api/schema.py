"""OpenAPI descriptions and examples of the trades endpoints, applied in views.py as
`@extend_schema(**schema.X)`."""

from drf_spectacular.utils import OpenApiExample

from mastertrade.core.api import READ_ERRORS, WRITE_ERRORS, error

from .serializers import TradeInputSerializer, TradeSerializer

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
    "`exit_time` it is now. Repeating an `external_id` with the same content answers the original "
    "trade with 200 and changes nothing; different content is a 409.",
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
