from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from mastertrade.core.api import READ_ERRORS, WRITE_ERRORS, error
from trades import selectors, services

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


@extend_schema(tags=["trades"])
class TradeListCreate(generics.GenericAPIView):
    serializer_class = TradeSerializer

    @extend_schema(
        summary="List your trades",
        description="Your trades, newest entry first, paginated.",
        responses={200: TradeSerializer(many=True), **READ_ERRORS},
        examples=[TRADE_RESPONSE_EXAMPLE],
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.trade_list_for_user(user=request.user))
        return self.get_paginated_response(TradeSerializer(page, many=True).data)

    @extend_schema(
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
    def post(self, request):
        serializer = TradeInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        trade, created = services.trade_record(owner=request.user, **serializer.validated_data)
        return Response(TradeSerializer(trade).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["trades"])
class TradeDetail(generics.GenericAPIView):
    serializer_class = TradeSerializer

    @extend_schema(
        summary="Get a trade",
        description="One of your trades.",
        responses={200: TradeSerializer, **READ_ERRORS},
        examples=[TRADE_RESPONSE_EXAMPLE],
    )
    def get(self, request, pk):
        return Response(TradeSerializer(selectors.trade_get_for_user(user=request.user, trade_id=pk)).data)
