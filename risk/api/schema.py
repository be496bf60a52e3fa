"""OpenAPI descriptions and examples of the risk endpoints, applied in views.py as
`@extend_schema(**schema.X)`."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from mastertrade.core.api import DATETIME_PARAM, GOAL_ID_PARAM, READ_ERRORS, WRITE_ERRORS, error

from .serializers import (
    AdjustmentSerializer,
    PositionSizeInputSerializer,
    PositionSizeSerializer,
    SimulateInputSerializer,
    SimulateSerializer,
)

POSITION_SIZE = dict(
    summary="Size a position for a goal",
    description="How big should this position be, given where the goal stands? `adjusted_size = "
    "base_position_size × adjustment_factor`; the factor comes from the goal's progress, pace, drawdown "
    "and risk settings (more risk when behind, normal on track, less near the goal, none past the "
    "drawdown limit). Every answer is written to the audit log (`adjustment_id`). Paused or archived "
    "goals answer 409.",
    request=PositionSizeInputSerializer,
    responses={200: PositionSizeSerializer, 409: error("The goal is paused or archived."), **WRITE_ERRORS},
    examples=[
        OpenApiExample(
            "Size 1000", value={"goal": 1, "base_position_size": "1000", "symbol": "BTCUSDT"}, request_only=True
        ),
        OpenApiExample(
            "Answer",
            response_only=True,
            value={
                "goal": 1,
                "base_position_size": "1000.00000000",
                "adjusted_size": "1150.00000000",
                "adjustment_factor": "1.1500",
                "stance": "aggressive",
                "reason": "Progress 0.00% of the goal (0.00% expected by now), drawdown 0.0000% of a 15.0000% "
                "limit. Status: on track (at most 10 points behind pace). Best chance of reaching the goal "
                "with 21 trading day(s) left (μ 0.00, σ 0.40): sizing up: factor ×1.1500.",
                "progress_pct": "0.0000",
                "adjustment_id": 42,
            },
        ),
    ],
)
ADJUSTMENT_LIST = dict(
    summary="The sizing audit log",
    description="Your sizing decisions, newest first, paginated; filter by `goal` and a time range "
    "(`since` inclusive, `until` exclusive). Append-only: decisions are never changed or deleted.",
    parameters=[
        OpenApiParameter("goal", GOAL_ID_PARAM, description="Only this goal's decisions."),
        OpenApiParameter("since", DATETIME_PARAM, description="ISO 8601 time, inclusive."),
        OpenApiParameter("until", DATETIME_PARAM, description="ISO 8601 time, exclusive."),
    ],
    responses={200: AdjustmentSerializer(many=True), 400: error("Invalid filter."), **READ_ERRORS},
    examples=[
        OpenApiExample(
            "A decision",
            response_only=True,
            value={
                "id": 42,
                "goal": 1,
                "symbol": "BTCUSDT",
                "base_position_size": "1000.00000000",
                "portfolio_value": None,
                "current_value": "0.0000",
                "target_value": "5.0000",
                "progress_pct": "0.0000",
                "expected_pct": "0.0000",
                "drawdown_pct": "0.0000",
                "adjustment_factor": "1.1500",
                "adjusted_size": "1150.00000000",
                "stance": "aggressive",
                "reason": "Progress 0.00% of the goal (0.00% expected by now), drawdown 0.0000% of a 15.0000% "
                "limit. Status: on track (at most 10 points behind pace). Best chance of reaching the goal "
                "with 21 trading day(s) left (μ 0.00, σ 0.40): sizing up: factor ×1.1500.",
                "policy": "default",
                "policy_version": "4",
                "min_factor": "0.5000",
                "max_factor": "1.3000",
                "max_drawdown_pct": "15.0000",
                "on_achieved": "pause",
                "peak_value": "0.0000",
                "days_since_peak": "0.0000",
                "days_since_fall": None,
                "mu": 0.0,
                "sigma": 0.4,
                "target_return": 0.05,
                "horizon_days": 21,
                "reach_probability": "0.6120",
                "created_at": "2026-11-25T10:00:00Z",
            },
        ),
    ],
)

SIMULATE = dict(
    summary="Simulate a goal under the sizing policies",
    description="Monte Carlo of the goal from where it stands now (progress, peak, time left, its risk "
    "settings) under the constant (1.0), default and optimal policies, with the same random numbers. "
    "`source: model` uses the reference GBM with `mu`, `sigma` (default: the goal's estimates); "
    "`source: my_trades` resamples the goal's own closed trades at their frequency. Bounded work: at most "
    "20,000 paths (default 5,000) over at most the goal's trading days left; a goal without a deadline "
    "or without a positive target return answers 409.",
    request=SimulateInputSerializer,
    responses={200: SimulateSerializer, 409: error("The goal cannot be simulated."), **WRITE_ERRORS},
    examples=[
        OpenApiExample("Simulate", value={"goal": 1, "mu": 0.4, "sigma": 0.4, "paths": 5000}, request_only=True),
        OpenApiExample(
            "Answer",
            response_only=True,
            value={
                "goal": 1,
                "source": "model",
                "mu": 0.4,
                "sigma": 0.4,
                "paths": 5000,
                "days_left": 21,
                "p_reach": {"constant": 0.278, "default": 0.535, "optimal": 0.535},
                "p_drawdown_beyond_limit": {"constant": 0.149, "default": 0.22, "optimal": 0.22},
                "expected_shortfall_pct": {"constant": 19.0, "default": 23.9, "optimal": 23.9},
                "p_below_minus_10": {"constant": 0.125, "default": 0.161, "optimal": 0.161},
                "median_days_to_reach": {"constant": 11.0, "default": 10.0, "optimal": 10.0},
            },
        ),
    ],
)
