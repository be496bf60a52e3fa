from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from goals import selectors, services
from mastertrade.core.api import READ_ERRORS, WRITE_ERRORS, error

from .serializers import (
    GoalSerializer,
    GoalUpdateSerializer,
    PeakResetInputSerializer,
    ProgressInputSerializer,
    SnapshotSerializer,
)

GOAL_EXAMPLE = OpenApiExample(
    "Monthly return goal",
    value={
        "name": "5% this month",
        "goal_type": "monthly_return",
        "target_value": "5.00",
        "capital_base": "10000.00",
        "target_date": "2026-12-31",
    },
    request_only=True,
)
GOAL_RESPONSE_EXAMPLE = OpenApiExample(
    "A goal",
    value={
        "id": 1,
        "name": "5% this month",
        "goal_type": "monthly_return",
        "target_value": "5.0000",
        "current_value": "2.0000",
        "capital_base": "10000.0000",
        "start_date": "2026-12-01",
        "target_date": "2026-12-31",
        "state": "active",
        "max_drawdown_pct": "15.0000",
        "min_factor": "0.5000",
        "max_factor": "1.3000",
        "on_achieved": "pause",
        "progress_pct": "40.00",
        "expected_pct": "33.33",
        "status": "on_track",
        "peak_value": "2.0000",
        "start_value": "0.0000",
        "sizing_policy": "default",
        "reach_probability": "0.6120",
        "reach_mu": "0.0000",
        "reach_sigma": "0.4000",
        "reach_source": "prior",
        "reach_trades": 0,
        "reach_updated_at": "2026-12-11T09:00:00Z",
        "created_at": "2026-12-01T09:00:00Z",
        "updated_at": "2026-12-11T09:00:00Z",
    },
    response_only=True,
)


@extend_schema(tags=["goals"])
class GoalListCreate(generics.GenericAPIView):
    serializer_class = GoalSerializer

    def get_queryset(self):
        return selectors.goal_list_for_user(user=self.request.user)

    @extend_schema(
        summary="List your goals",
        description="Your goals, newest first, paginated.",
        responses={200: GoalSerializer(many=True), **READ_ERRORS},
        examples=[GOAL_RESPONSE_EXAMPLE],
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(GoalSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a goal",
        description="Create a goal. `start_date` defaults to today; without `target_date` the goal has no "
        "pace. `progress_pct`, `expected_pct` and `status` are derived.",
        request=GoalSerializer,
        responses={201: GoalSerializer, **WRITE_ERRORS},
        examples=[GOAL_EXAMPLE, GOAL_RESPONSE_EXAMPLE],
    )
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

    @extend_schema(
        summary="Get a goal",
        description="One of your goals with its derived progress and status.",
        responses={200: GoalSerializer, **READ_ERRORS},
        examples=[GOAL_RESPONSE_EXAMPLE],
    )
    def get(self, request, pk):
        return Response(GoalSerializer(self.get_object()).data)

    @extend_schema(
        summary="Change a goal",
        description="Change name, target, dates, capital base, risk settings or `state` "
        "(active/paused/archived). Derived fields, `goal_type` and `current_value` are "
        "rejected here (progress has its own endpoint).",
        request=GoalUpdateSerializer,
        responses={200: GoalSerializer, **WRITE_ERRORS, **READ_ERRORS},
        examples=[OpenApiExample("Pause", value={"state": "paused"}, request_only=True), GOAL_RESPONSE_EXAMPLE],
    )
    def patch(self, request, pk):
        goal = self.get_object()
        serializer = GoalUpdateSerializer(goal, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_update(goal=goal, **serializer.validated_data)
        return Response(GoalSerializer(goal).data)

    @extend_schema(
        summary="Delete a goal",
        description="Delete a goal and its history. A goal with sizing decisions or selections in the "
        "audit log cannot be deleted (409): archive it instead.",
        responses={204: None, 409: error("The goal has audit-log entries."), **READ_ERRORS},
    )
    def delete(self, request, pk):
        services.goal_delete(goal=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["goals"])
class GoalProgress(APIView):
    serializer_class = ProgressInputSerializer

    @extend_schema(
        summary="Record progress",
        description="Set the goal's `current_value`; writes a history row with `source: update` in the "
        "same transaction. Answers the updated goal.",
        request=ProgressInputSerializer,
        responses={200: GoalSerializer, **WRITE_ERRORS, **READ_ERRORS},
        examples=[OpenApiExample("Progress", value={"current_value": "2.0"}, request_only=True), GOAL_RESPONSE_EXAMPLE],
    )
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

    @extend_schema(
        summary="Reset the drawdown peak",
        description="Set the goal's drawdown peak to its current value (e.g. after a mistyped progress value "
        "halted sizing). The reset, its reason, the old and the new peak are written to the peak-reset log.",
        request=PeakResetInputSerializer,
        responses={200: GoalSerializer, **WRITE_ERRORS, **READ_ERRORS},
        examples=[
            OpenApiExample("Reset", value={"reason": "Typed 1,000,000 instead of 100,000"}, request_only=True),
            GOAL_RESPONSE_EXAMPLE,
        ],
    )
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

    @extend_schema(
        summary="Progress history",
        description="The goal's snapshots, oldest first, paginated: periodic (beat), update and trade rows.",
        responses={200: SnapshotSerializer(many=True), **READ_ERRORS},
        examples=[
            OpenApiExample(
                "A snapshot",
                response_only=True,
                value={
                    "snapshot_at": "2026-12-02T10:00:00Z",
                    "current_value": "2.0000",
                    "target_value": "5.0000",
                    "progress_pct": "40.0000",
                    "status": "on_track",
                    "source": "update",
                },
            )
        ],
    )
    def get(self, request, pk):
        goal = selectors.goal_get_for_user(user=request.user, goal_id=pk)
        page = self.paginate_queryset(selectors.goal_history(goal=goal))
        return self.get_paginated_response(SnapshotSerializer(page, many=True).data)
