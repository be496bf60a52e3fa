"""OpenAPI descriptions and examples of the strategies endpoints, applied in views.py as
`@extend_schema(**schema.X)`."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from mastertrade.core.api import GOAL_ID_PARAM, READ_ERRORS, WRITE_ERRORS, error
from mastertrade.core.schema import link, links_add

from .serializers import (
    SelectInputSerializer,
    SelectionSerializer,
    StrategySerializer,
    StrategyUpdateSerializer,
)

STRATEGY_EXAMPLE = OpenApiExample(
    "A momentum strategy",
    request_only=True,
    value={
        "strategy_id": "btc-momentum",
        "name": "BTC momentum",
        "strategy_type": "momentum",
        "risk_profile": "aggressive",
        "parameters": {"lookback": 20},
        "status": "active",
    },
)

STRATEGY_RESPONSE_EXAMPLE = OpenApiExample(
    "A strategy with its record",
    response_only=True,
    value={
        "strategy_id": "btc-momentum",
        "name": "BTC momentum",
        "strategy_type": "momentum",
        "risk_profile": "aggressive",
        "parameters": {"lookback": 20},
        "status": "active",
        "performance": {
            "trades": 12,
            "wins": 7,
            "win_rate": "0.5833",
            "total_pnl": "1840.5000",
            "mean_pnl": "153.3750",
            "risk_adjusted_ratio": "0.4120",
            "max_drawdown": "610.0000",
            "pnl_share": "0.3120",
        },
        "created_at": "2026-11-01T09:00:00Z",
        "updated_at": "2026-11-20T17:30:00Z",
    },
)
SELECTION_RESPONSE_EXAMPLE = OpenApiExample(
    "A selection",
    response_only=True,
    value={
        "selection_id": 7,
        "goal": 1,
        "selected_strategy": "btc-momentum",
        "stance": "aggressive",
        "reason": "Progress 10.00% (0.00% expected by now): stance aggressive. Selected btc-momentum (score 0.8500; "
        "momentum/aggressive: fit 1 for aggressive, no closed trades (neutral performance)).",
        "progress_pct": "10.0000",
        "ranking": [
            {
                "strategy_id": "btc-momentum",
                "score": "0.8500",
                "eligible": True,
                "fit": "1",
                "performance_score": "0.5000",
                "strategy_type": "momentum",
                "risk_profile": "aggressive",
                "status": "active",
                "trades": 0,
                "win_rate": None,
                "risk_adjusted_ratio": None,
                "note": "momentum/aggressive: fit 1 for aggressive, no closed trades (neutral performance)",
            },
            {
                "strategy_id": "eth-meanrev",
                "score": None,
                "eligible": False,
                "fit": None,
                "performance_score": None,
                "strategy_type": "mean_reversion",
                "risk_profile": "conservative",
                "status": "paused",
                "trades": 3,
                "win_rate": "0.6667",
                "risk_adjusted_ratio": "0.9000",
                "note": "paused: never selected",
            },
        ],
        "created_at": "2026-11-25T10:00:00Z",
    },
)


STRATEGY_LIST = dict(
    summary="List your strategies",
    description="Your strategies with their recorded performance (from closed trades), paginated.",
    responses={200: StrategySerializer(many=True), **READ_ERRORS},
    examples=[STRATEGY_RESPONSE_EXAMPLE],
)
STRATEGY_CREATE = dict(
    summary="Register a strategy",
    description="`strategy_id` is a slug, unique among your strategies (`select` and `selections` "
    "are reserved). `parameters` is a JSON object of at most 16 KiB.",
    request=StrategySerializer,
    responses={
        201: StrategySerializer,
        409: error("You already have a strategy with this strategy_id."),
        **WRITE_ERRORS,
    },
    examples=[STRATEGY_EXAMPLE, STRATEGY_RESPONSE_EXAMPLE],
)
STRATEGY_GET = dict(
    summary="Get a strategy",
    description="One of your strategies with its recorded performance.",
    responses={200: StrategySerializer, **READ_ERRORS},
    examples=[STRATEGY_RESPONSE_EXAMPLE],
)
STRATEGY_UPDATE = dict(
    summary="Change a strategy",
    description="Change name, type, risk profile, parameters or status (active, paused, retired, "
    "failed). `strategy_id` and performance are read-only.",
    request=StrategyUpdateSerializer,
    responses={200: StrategySerializer, **WRITE_ERRORS, **READ_ERRORS},
    examples=[OpenApiExample("Pause", value={"status": "paused"}, request_only=True), STRATEGY_RESPONSE_EXAMPLE],
)
STRATEGY_SELECT = dict(
    summary="Select the strategy to run for a goal",
    description="From the goal's progress and pace, a stance (aggressive when behind, balanced on track, "
    "conservative near or past the goal); candidates (default: all your active strategies) are scored "
    "by fit to the stance and recorded performance. Paused, retired and failed candidates are listed as "
    "ineligible. The answer is recorded (see /strategies/selections/).",
    request=SelectInputSerializer,
    responses={
        200: SelectionSerializer,
        409: error("The goal is not active, or no candidate is eligible."),
        **WRITE_ERRORS,
    },
    examples=[
        OpenApiExample("Select", value={"goal": 1, "candidates": ["btc-momentum", "eth-meanrev"]}, request_only=True),
        SELECTION_RESPONSE_EXAMPLE,
    ],
)
SELECTION_LIST = dict(
    summary="Recorded selections",
    description="Every selection answer, newest first, paginated; filter with `goal`.",
    parameters=[OpenApiParameter("goal", GOAL_ID_PARAM, description="Only this goal's selections.")],
    responses={200: SelectionSerializer(many=True), 400: error("Invalid filter."), **READ_ERRORS},
    examples=[SELECTION_RESPONSE_EXAMPLE],
)

_STRATEGY_ID = {"strategy_id": "$response.body#/strategy_id"}
links_add(
    "v1_strategies_create",
    201,
    {
        "GetStrategy": link("v1_strategies_retrieve", parameters=_STRATEGY_ID),
        "ChangeStrategy": link("v1_strategies_partial_update", parameters=_STRATEGY_ID),
        "RecordTrade": link("v1_trades_create", request_body={"strategy": "$response.body#/strategy_id"}),
    },
)
links_add("v1_strategies_partial_update", 200, {"GetStrategy": link("v1_strategies_retrieve", parameters=_STRATEGY_ID)})
