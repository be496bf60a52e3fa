from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from strategies import selectors, services

from . import schema
from .serializers import (
    SelectInputSerializer,
    SelectionFilterSerializer,
    SelectionSerializer,
    StrategySerializer,
    StrategyUpdateSerializer,
)


def with_performance(strategies):
    return {"performance": selectors.strategy_performance_many(strategies=strategies)}


@extend_schema(tags=["strategies"])
class StrategyListCreate(generics.GenericAPIView):
    serializer_class = StrategySerializer

    @extend_schema(**schema.STRATEGY_LIST)
    def get(self, request):
        page = self.paginate_queryset(selectors.strategy_list_for_user(user=request.user))
        return self.get_paginated_response(StrategySerializer(page, many=True, context=with_performance(page)).data)

    @extend_schema(**schema.STRATEGY_CREATE)
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

    @extend_schema(**schema.STRATEGY_GET)
    def get(self, request, strategy_id):
        strategy = self.get_object()
        return Response(StrategySerializer(strategy, context=with_performance([strategy])).data)

    @extend_schema(**schema.STRATEGY_UPDATE)
    def patch(self, request, strategy_id):
        strategy = self.get_object()
        serializer = StrategyUpdateSerializer(strategy, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        strategy = services.strategy_update(strategy=strategy, **serializer.validated_data)
        return Response(StrategySerializer(strategy, context=with_performance([strategy])).data)


@extend_schema(tags=["strategies"])
class StrategySelect(generics.GenericAPIView):
    serializer_class = SelectionSerializer

    @extend_schema(**schema.STRATEGY_SELECT)
    def post(self, request):
        serializer = SelectInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        selection, _ = services.strategy_select(owner=request.user, **serializer.validated_data)
        return Response(SelectionSerializer(selection).data)


@extend_schema(tags=["strategies"])
class SelectionList(generics.GenericAPIView):
    serializer_class = SelectionSerializer

    @extend_schema(**schema.SELECTION_LIST)
    def get(self, request):
        filters = SelectionFilterSerializer(data=request.query_params.dict(), context={"request": request})
        filters.is_valid(raise_exception=True)
        qs = selectors.selection_list_for_user(user=request.user, goal=filters.validated_data.get("goal"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(SelectionSerializer(page, many=True).data)
