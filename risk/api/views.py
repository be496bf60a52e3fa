from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from risk import selectors, services

from . import schema
from .serializers import (
    AdjustmentFilterSerializer,
    AdjustmentSerializer,
    PositionSizeInputSerializer,
    PositionSizeSerializer,
    SimulateInputSerializer,
    SimulateSerializer,
)


@extend_schema(tags=["risk"])
class PositionSize(generics.GenericAPIView):
    serializer_class = PositionSizeSerializer

    @extend_schema(**schema.POSITION_SIZE)
    def post(self, request):
        serializer = PositionSizeInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        adjustment = services.position_size_decide(**serializer.validated_data)
        return Response(PositionSizeSerializer(adjustment).data)


@extend_schema(tags=["risk"])
class AdjustmentList(generics.GenericAPIView):
    serializer_class = AdjustmentSerializer

    @extend_schema(**schema.ADJUSTMENT_LIST)
    def get(self, request):
        filters = AdjustmentFilterSerializer(data=request.query_params.dict(), context={"request": request})
        filters.is_valid(raise_exception=True)
        params = {k: v for k, v in filters.validated_data.items() if k != "page"}
        page = self.paginate_queryset(selectors.adjustment_list_for_user(user=request.user, **params))
        return self.get_paginated_response(AdjustmentSerializer(page, many=True).data)


@extend_schema(tags=["risk"])
class Simulate(generics.GenericAPIView):
    serializer_class = SimulateSerializer

    @extend_schema(**schema.SIMULATE)
    def post(self, request):
        serializer = SimulateInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response(SimulateSerializer(services.goal_simulate(**serializer.validated_data)).data)
