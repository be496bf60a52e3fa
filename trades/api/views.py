from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from trades import selectors, services

from . import schema
from .serializers import TradeCloseSerializer, TradeInputSerializer, TradeSerializer


@extend_schema(tags=["trades"])
class TradeListCreate(generics.GenericAPIView):
    serializer_class = TradeSerializer

    @extend_schema(**schema.TRADE_LIST)
    def get(self, request):
        page = self.paginate_queryset(selectors.trade_list_for_user(user=request.user))
        return self.get_paginated_response(TradeSerializer(page, many=True).data)

    @extend_schema(**schema.TRADE_RECORD)
    def post(self, request):
        serializer = TradeInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        trade, created = services.trade_record(owner=request.user, **serializer.validated_data)
        return Response(TradeSerializer(trade).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["trades"])
class TradeDetail(generics.GenericAPIView):
    serializer_class = TradeSerializer

    @extend_schema(**schema.TRADE_GET)
    def get(self, request, pk):
        return Response(TradeSerializer(selectors.trade_get_for_user(user=request.user, trade_id=pk)).data)


@extend_schema(tags=["trades"])
class TradeClose(generics.GenericAPIView):
    serializer_class = TradeCloseSerializer

    @extend_schema(**schema.TRADE_CLOSE)
    def post(self, request, pk):
        trade = selectors.trade_get_for_user(user=request.user, trade_id=pk)
        serializer = TradeCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        trade, _ = services.trade_close(trade=trade, **serializer.validated_data)
        return Response(TradeSerializer(trade).data)
