from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from mastertrade.core.api import READ_ERRORS, WRITE_ERRORS, error
from strategies import selectors, services

from .serializers import (
    SelectInputSerializer,
    SelectionFilterSerializer,
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


def with_performance(strategies):
    return {"performance": selectors.strategy_performance_many(strategies=strategies)}


@extend_schema(tags=["strategies"])
class StrategyListCreate(generics.GenericAPIView):
    serializer_class = StrategySerializer

    @extend_schema(
        summary="List your strategies",
        description="Your strategies with their recorded performance (from closed trades), paginated.",
        responses={200: StrategySerializer(many=True), **READ_ERRORS},
        examples=[STRATEGY_RESPONSE_EXAMPLE],
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.strategy_list_for_user(user=request.user))
        return self.get_paginated_response(StrategySerializer(page, many=True, context=with_performance(page)).data)

    @extend_schema(
        summary="Register a strategy",
        description="`strategy_id` is a slug, unique among your strategies (`select` and `selections` "
        "are reserved). `parameters` is a JSON object of at most 16 KiB.",
        request=StrategySerializer,
        responses={201: StrategySerializer, **WRITE_ERRORS},
        examples=[STRATEGY_EXAMPLE, STRATEGY_RESPONSE_EXAMPLE],
    )
    def post(self, request):
        serializer = StrategySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        strategy = services.strategy_create(owner=request.user, **serializer.validated_data)
        return Response(
            StrategySerializer(strategy, context=with_performance([strategy])).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["strategies"])
class StrategyDetail(generics.GenericAPIView):
    serializer_class = StrategySerializer

    def get_object(self):
        return selectors.strategy_get_for_user(user=self.request.user, strategy_id=self.kwargs["strategy_id"])

    @extend_schema(
        summary="Get a strategy",
        description="One of your strategies with its recorded performance.",
        responses={200: StrategySerializer, **READ_ERRORS},
        examples=[STRATEGY_RESPONSE_EXAMPLE],
    )
    def get(self, request, strategy_id):
        strategy = self.get_object()
        return Response(StrategySerializer(strategy, context=with_performance([strategy])).data)

    @extend_schema(
        summary="Change a strategy",
        description="Change name, type, risk profile, parameters or status (active, paused, retired, "
        "failed). `strategy_id` and performance are read-only.",
        request=StrategyUpdateSerializer,
        responses={200: StrategySerializer, **WRITE_ERRORS, **READ_ERRORS},
        examples=[OpenApiExample("Pause", value={"status": "paused"}, request_only=True), STRATEGY_RESPONSE_EXAMPLE],
    )
    def patch(self, request, strategy_id):
        strategy = self.get_object()
        serializer = StrategyUpdateSerializer(strategy, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        strategy = services.strategy_update(strategy=strategy, **serializer.validated_data)
        return Response(StrategySerializer(strategy, context=with_performance([strategy])).data)


@extend_schema(tags=["strategies"])
class StrategySelect(generics.GenericAPIView):
    serializer_class = SelectionSerializer

    @extend_schema(
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
            OpenApiExample(
                "Select", value={"goal": 1, "candidates": ["btc-momentum", "eth-meanrev"]}, request_only=True
            ),
            SELECTION_RESPONSE_EXAMPLE,
        ],
    )
    def post(self, request):
        serializer = SelectInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        selection, _ = services.strategy_select(owner=request.user, **serializer.validated_data)
        return Response(SelectionSerializer(selection).data)


@extend_schema(tags=["strategies"])
class SelectionList(generics.GenericAPIView):
    serializer_class = SelectionSerializer

    @extend_schema(
        summary="Recorded selections",
        description="Every selection answer, newest first, paginated; filter with `goal`.",
        parameters=[OpenApiParameter("goal", int, description="Only this goal's selections.")],
        responses={200: SelectionSerializer(many=True), 400: error("Invalid filter."), **READ_ERRORS},
        examples=[SELECTION_RESPONSE_EXAMPLE],
    )
    def get(self, request):
        filters = SelectionFilterSerializer(data=request.query_params.dict(), context={"request": request})
        filters.is_valid(raise_exception=True)
        qs = selectors.selection_list_for_user(user=request.user, goal=filters.validated_data.get("goal"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(SelectionSerializer(page, many=True).data)
