"""OpenAPI descriptions and examples of the goals endpoints, applied in views.py as
`@extend_schema(**schema.X)`."""

from drf_spectacular.utils import OpenApiExample

from mastertrade.core.api import READ_ERRORS, WRITE_ERRORS, error
from mastertrade.core.schema import link, links_add

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
        "calendar": "weekdays",
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

GOAL_LIST = dict(
    summary="List your goals",
    description="Your goals, newest first, paginated.",
    responses={200: GoalSerializer(many=True), **READ_ERRORS},
    examples=[GOAL_RESPONSE_EXAMPLE],
)
GOAL_CREATE = dict(
    summary="Create a goal",
    description="Create a goal. `start_date` defaults to today; without `target_date` the goal has no "
    "pace. `progress_pct`, `expected_pct` and `status` are derived. `target_date` must be after "
    "`start_date`, and progress (current / target) within ±10,000,000 %: otherwise 400 "
    "`invalid_combination`.",
    request=GoalSerializer,
    responses={201: GoalSerializer, **WRITE_ERRORS},
    examples=[GOAL_EXAMPLE, GOAL_RESPONSE_EXAMPLE],
)
GOAL_GET = dict(
    summary="Get a goal",
    description="One of your goals with its derived progress and status.",
    responses={200: GoalSerializer, **READ_ERRORS},
    examples=[GOAL_RESPONSE_EXAMPLE],
)
GOAL_UPDATE = dict(
    summary="Change a goal",
    description="Change name, target, dates, capital base, risk settings or `state`. Derived fields, "
    "`goal_type` and `current_value` are rejected here (progress has its own endpoint). `state` moves "
    "active → paused or archived, paused → active or archived, archived → active (as the admin's actions "
    "do); any other move is 409 `goal_state_transition`. A deadline not after the start date, or a target "
    "that would put progress beyond ±10,000,000 %, is 400 `invalid_combination`.",
    request=GoalUpdateSerializer,
    responses={
        200: GoalSerializer,
        409: error("This state change is not allowed from the goal's state."),
        **WRITE_ERRORS,
        **READ_ERRORS,
    },
    examples=[OpenApiExample("Pause", value={"state": "paused"}, request_only=True), GOAL_RESPONSE_EXAMPLE],
)
GOAL_DELETE = dict(
    summary="Delete a goal",
    description="Delete a goal and its history. A goal with sizing decisions or selections in the "
    "audit log cannot be deleted (409): archive it instead.",
    responses={204: None, 409: error("The goal has audit-log entries."), **READ_ERRORS},
)
GOAL_PROGRESS = dict(
    summary="Record progress",
    description="Set the goal's `current_value`; writes a history row with `source: update` in the "
    "same transaction. Answers the updated goal.",
    request=ProgressInputSerializer,
    responses={200: GoalSerializer, **WRITE_ERRORS, **READ_ERRORS},
    examples=[OpenApiExample("Progress", value={"current_value": "2.0"}, request_only=True), GOAL_RESPONSE_EXAMPLE],
)
GOAL_RESET_PEAK = dict(
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
GOAL_HISTORY = dict(
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

# Links from a created goal to every operation that takes its id (OpenAPI links: a
# client generator and a stateful tester follow them).
_GOAL_ID = {"id": "$response.body#/id"}
_GOAL_IN_BODY = {"goal": "$response.body#/id"}
_GOAL_IN_QUERY = {"query.goal": "$response.body#/id"}
links_add(
    "v1_goals_create",
    201,
    {
        "GetGoal": link("v1_goals_retrieve", parameters=_GOAL_ID),
        "ChangeGoal": link("v1_goals_partial_update", parameters=_GOAL_ID),
        "DeleteGoal": link("v1_goals_destroy", parameters=_GOAL_ID),
        "RecordProgress": link("v1_goals_progress_create", parameters=_GOAL_ID),
        "GoalHistory": link("v1_goals_history_list", parameters=_GOAL_ID),
        "SizePosition": link("v1_risk_position_size_create", request_body=_GOAL_IN_BODY),
        "SizingDecisions": link("v1_risk_adjustments_list", parameters=_GOAL_IN_QUERY),
        "SelectStrategy": link("v1_strategies_select_create", request_body=_GOAL_IN_BODY),
        "Selections": link("v1_strategies_selections_list", parameters=_GOAL_IN_QUERY),
        "RecordTrade": link("v1_trades_create", request_body=_GOAL_IN_BODY),
    },
)
for _operation in ("v1_goals_partial_update", "v1_goals_progress_create"):
    links_add(
        _operation,
        200,
        {
            "GetGoal": link("v1_goals_retrieve", parameters=_GOAL_ID),
            "GoalHistory": link("v1_goals_history_list", parameters=_GOAL_ID),
            "SizePosition": link("v1_risk_position_size_create", request_body=_GOAL_IN_BODY),
        },
    )
