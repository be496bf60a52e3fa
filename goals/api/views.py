from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from goals import selectors, services

from . import schema
from .serializers import (
    GoalSerializer,
    GoalUpdateSerializer,
    PeakResetInputSerializer,
    ProgressInputSerializer,
    SnapshotSerializer,
)


@extend_schema(tags=["goals"])
class GoalListCreate(generics.GenericAPIView):
    serializer_class = GoalSerializer

    def get_queryset(self):
        return selectors.goal_list_for_user(user=self.request.user)

    @extend_schema(**schema.GOAL_LIST)
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(GoalSerializer(page, many=True).data)

    @extend_schema(**schema.GOAL_CREATE)
    def post(self, request):
        serializer = GoalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_create(owner=request.user, **serializer.validated_data)
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["goals"])
class GoalDetail(APIView):
    serializer_class = GoalSerializer

    def get_object(self):
        return selectors.goal_get_for_user(user=self.request.user, goal_id=self.kwargs["pk"])

    @extend_schema(**schema.GOAL_GET)
    def get(self, request, pk):
        return Response(GoalSerializer(self.get_object()).data)

    @extend_schema(**schema.GOAL_UPDATE)
    def patch(self, request, pk):
        goal = self.get_object()
        serializer = GoalUpdateSerializer(goal, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_update(goal=goal, **serializer.validated_data)
        return Response(GoalSerializer(goal).data)

    @extend_schema(**schema.GOAL_DELETE)
    def delete(self, request, pk):
        services.goal_delete(goal=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["goals"])
class GoalProgress(APIView):
    serializer_class = ProgressInputSerializer

    @extend_schema(**schema.GOAL_PROGRESS)
    def post(self, request, pk):
        goal = selectors.goal_get_for_user(user=request.user, goal_id=pk)
        serializer = ProgressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_progress_set(goal=goal, **serializer.validated_data)
        goal.refresh_from_db()  # the chance of reaching it was refreshed after commit
        return Response(GoalSerializer(goal).data)


@extend_schema(tags=["goals"])
class GoalResetPeak(APIView):
    serializer_class = PeakResetInputSerializer

    @extend_schema(**schema.GOAL_RESET_PEAK)
    def post(self, request, pk):
        goal = selectors.goal_get_for_user(user=request.user, goal_id=pk)
        serializer = PeakResetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_peak_reset(goal=goal, by=request.user, **serializer.validated_data)
        goal.refresh_from_db()
        return Response(GoalSerializer(goal).data)


@extend_schema(tags=["goals"])
class GoalHistory(generics.GenericAPIView):
    serializer_class = SnapshotSerializer

    @extend_schema(**schema.GOAL_HISTORY)
    def get(self, request, pk):
        goal = selectors.goal_get_for_user(user=request.user, goal_id=pk)
        page = self.paginate_queryset(selectors.goal_history(goal=goal))
        return self.get_paginated_response(SnapshotSerializer(page, many=True).data)
