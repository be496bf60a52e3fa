"""Goals in the admin: the list with progress bars, the detail page with the progress
chart and the goal's audit trail, and the state and snapshot actions.

Every write goes through goals.services; status and progress are derived (read-only),
shown with the reason. Apps that depend on goals add sections to the goal's detail
page with `@goal_panel` (trades, sizing decisions, strategy selections) so this module
imports none of them."""

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from mastertrade.core import clock
from mastertrade.core.admin import ADMIN_CSS, EMPTY, amount
from mastertrade.core.money import AMOUNT, quantize

from . import progress, selectors, services
from .models import FinancialGoal, GoalState, GoalType, PeakReset

CHART_MAX_POINTS = 500  # the latest snapshots drawn on the detail page
CHART_MAX_MARKERS = 200  # beyond this, only the line (and the last point) is drawn
PANEL_ROWS = 10


# --- Derived values, as people read them.


def target_display(goal: FinancialGoal) -> str:
    """The target in its unit: percent for a monthly return goal, money otherwise."""
    if goal.goal_type == GoalType.MONTHLY_RETURN:
        return f"{amount(goal.target_value)} %"
    return amount(goal.target_value)


def status_reason(goal: FinancialGoal, today: dt.date) -> str:
    """Why the goal has its status, with the numbers and thresholds of goals.progress."""
    pct = goal.progress_pct()
    expected = goal.expected_pct(today)
    status = goal.status(today)
    if status == progress.STATUS_ACHIEVED:
        return f"progress {pct}% reached the target ({progress.ACHIEVED_PCT}% or more)"
    if status == progress.STATUS_MISSED:
        return f"the deadline {goal.target_date:%Y-%m-%d} passed at {pct}%, below {progress.ACHIEVED_PCT}%"
    if expected is None:
        return f"progress {pct}%; no deadline, so no pace to fall behind (on track)"
    gap = expected - pct
    vs = f"progress {pct}% vs {expected}% expected by now"
    if status == progress.STATUS_ON_TRACK:
        return f"{vs} (on track: within {progress.ON_TRACK_GAP} points)"
    if status == progress.STATUS_AT_RISK:
        return f"{vs} (at risk: {gap} points behind, within {progress.AT_RISK_GAP})"
    return f"{vs} (behind: {gap} points behind, more than {progress.AT_RISK_GAP})"


def days_left(goal: FinancialGoal, today: dt.date) -> str:
    if goal.target_date is None:
        return EMPTY
    days = (goal.target_date - today).days
    if days > 1:
        return f"{days} days"
    if days == 1:
        return "1 day"
    if days == 0:
        return "due today"
    return f"passed {-days} day{'s' if days < -1 else ''} ago"


STATUS_LABELS = dict(progress.STATUS_CHOICES)


def status_badge(goal: FinancialGoal, today: dt.date):
    status = goal.status(today)
    return format_html(
        '<span class="mt-badge mt-status--{}" title="{}">{}</span>',
        status,
        status_reason(goal, today),
        STATUS_LABELS[status],
    )


def progress_bar(goal: FinancialGoal, today: dt.date):
    pct = goal.progress_pct()
    width = min(max(pct, Decimal(0)), Decimal(100))
    return format_html(
        '<div class="mt-progress" title="{}" data-pct="{}">'
        '<div class="mt-progress__track"><div class="mt-progress__bar mt-status--{}" style="width: {}%"></div></div>'
        '<span class="mt-progress__label">{} %</span></div>',
        status_reason(goal, today),
        pct,
        goal.status(today),
        f"{width:.2f}",
        pct,
    )


GOAL_TYPE_SHORT = {
    GoalType.MONTHLY_RETURN: "Return %",
    GoalType.MONTHLY_INCOME: "Income",
    GoalType.PORTFOLIO_VALUE: "Portfolio",
}


# --- The progress-over-time chart, drawn server-side as SVG (no script, no CDN).


@dataclass
class ChartPoint:
    x: float
    y: float
    pct: Decimal
    at: dt.datetime
    source: str
    label: str
    marker: bool


@dataclass
class ProgressChart:
    width: int
    height: int
    left: int
    top: int
    right: float
    bottom: float
    points: list[ChartPoint]
    line: str
    total: int
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str]]
    target_y: float
    today_x: float
    pace: tuple[float, float, float, float] | None = None


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _nice_step(span: float) -> int:
    for step in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2500, 5000):
        if span / step <= 6:
            return step
    return 10 ** math.ceil(math.log10(span / 6))


def progress_chart(*, goal: FinancialGoal, snapshots: list, total: int, now: dt.datetime) -> ProgressChart:
    """Geometry of the chart: history points (progress % over time), the pace line from
    (start_date, 0 %) to (target_date, 100 %) when there is a deadline, the 100 % target
    line and today's marker."""
    width, height, left, right_margin, top, bottom_margin = 800, 280, 56, 16, 14, 36
    right, bottom = width - right_margin, height - bottom_margin
    start = _midnight(goal.start_date)
    times = [s.snapshot_at for s in snapshots]
    t0 = min([start, *times])
    t1 = max([now, *times, *([_midnight(goal.target_date)] if goal.target_date else [])])
    if t1 <= t0:
        t1 = t0 + dt.timedelta(days=1)
    values = [float(s.progress_pct) for s in snapshots]
    low, high = min([0.0, *values]), max([100.0, *values])
    step = _nice_step(high - low)
    lo, hi = math.floor(low / step) * step, math.ceil(high / step) * step
    span = (t1 - t0).total_seconds()

    def x(t: dt.datetime) -> float:
        return round(left + (t - t0).total_seconds() / span * (right - left), 1)

    def y(v: float) -> float:
        return round(top + (hi - v) / (hi - lo) * (bottom - top), 1)

    points = []
    for i, s in enumerate(snapshots):
        pct = quantize(s.progress_pct, 2)
        points.append(
            ChartPoint(
                x=x(s.snapshot_at),
                y=y(float(pct)),
                pct=pct,
                at=s.snapshot_at,
                source=s.source,
                label=f"{s.snapshot_at:%Y-%m-%d %H:%M} UTC · {pct} % · {s.get_source_display().lower()}",
                marker=len(snapshots) <= CHART_MAX_MARKERS or i == len(snapshots) - 1,
            )
        )
    days = max((t1 - t0).days, 1)
    offsets = sorted({round(days * i / 4) for i in range(5)})
    x_ticks = []
    for i, offset in enumerate(offsets):
        tick = t0 + dt.timedelta(days=offset)
        first, last = i == 0, i == len(offsets) - 1
        label = f"{tick.day} {tick:%b}" + (f" {tick:%Y}" if first or last else "")
        x_ticks.append((x(tick), label, "start" if first else "end" if last else "middle"))
    pace = None
    if goal.target_date is not None:
        pace = (x(start), y(0), x(_midnight(goal.target_date)), y(100))
    return ProgressChart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        points=points,
        line=" ".join(f"{p.x},{p.y}" for p in points),
        total=total,
        y_ticks=[(y(v), f"{v} %") for v in range(int(lo), int(hi) + 1, step)],
        x_ticks=x_ticks,
        target_y=y(100),
        today_x=x(now),
        pace=pace,
    )


def goal_chart_for(goal: FinancialGoal, *, now: dt.datetime) -> ProgressChart:
    latest = list(selectors.goal_history(goal=goal).reverse()[:CHART_MAX_POINTS])[::-1]
    total = len(latest) if len(latest) < CHART_MAX_POINTS else selectors.goal_history(goal=goal).count()
    return progress_chart(goal=goal, snapshots=latest, total=total, now=now)


# --- Sections other apps add to the goal's detail page.


@dataclass
class GoalPanel:
    """A table on the goal's page. Cells are text or safe HTML (format_html)."""

    title: str
    headers: list[str]
    rows: list[list]
    more_url: str | None = None
    empty: str = "None yet."


_goal_panels: list[Callable] = []


def goal_panel(func: Callable) -> Callable:
    """Register `func(request, goal) -> GoalPanel | None` (None: not shown to this user)."""
    _goal_panels.append(func)
    return func


def goal_panels(request, goal: FinancialGoal) -> list[GoalPanel]:
    return [panel for panel in (func(request, goal) for func in _goal_panels) if panel is not None]


# --- The admin.


class StatusFilter(admin.SimpleListFilter):
    """By derived status (today), computed in the database with the thresholds of goals.progress."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return progress.STATUS_CHOICES

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return selectors.goal_filter_by_status(queryset=queryset, status=self.value(), today=clock.today())


def _positive(value, message):
    if value is not None and value <= 0:
        raise ValidationError(message, code="not_positive")
    return value


class GoalAdminForm(forms.ModelForm):
    record_progress = forms.DecimalField(
        max_digits=AMOUNT[0],
        decimal_places=AMOUNT[1],
        required=False,
        label="Record progress",
        help_text="A new current value: sets it and writes a history row (source: update), as "
        "POST /api/v1/goals/{id}/progress/ does. Leave empty to keep the current value.",
    )

    class Meta:
        model = FinancialGoal
        fields = (
            "owner",
            "name",
            "goal_type",
            "target_value",
            "current_value",
            "capital_base",
            "start_date",
            "target_date",
            "state",
            "max_drawdown_pct",
            "min_factor",
            "max_factor",
            "on_achieved",
            "sizing_policy",
        )
        help_texts = {
            "target_value": "Percent for a monthly return goal, money otherwise. Must be greater than zero.",
            "capital_base": "Monthly return goals only: the capital a trade's P&L is measured against.",
            "target_date": "The deadline. Without one the goal has no pace and is never behind.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sizing_policy" in self.fields:
            self.fields["sizing_policy"].required = False

    def clean_sizing_policy(self):
        return self.cleaned_data.get("sizing_policy") or FinancialGoal._meta.get_field("sizing_policy").default

    def clean_target_value(self):
        return _positive(self.cleaned_data.get("target_value"), "The target must be greater than zero.")

    def clean_capital_base(self):
        return _positive(self.cleaned_data.get("capital_base"), "The capital base must be greater than zero.")

    def clean_max_drawdown_pct(self):
        value = self.cleaned_data.get("max_drawdown_pct")
        if value is not None and not Decimal(0) < value <= Decimal(100):
            raise ValidationError("The drawdown limit must be above 0 and at most 100 %.", code="range")
        return value

    def clean_min_factor(self):
        value = self.cleaned_data.get("min_factor")
        if value is not None and not Decimal(0) <= value <= Decimal(1):
            raise ValidationError("The minimum factor must be between 0 and 1.", code="range")
        return value

    def clean_max_factor(self):
        value = self.cleaned_data.get("max_factor")
        if value is not None and not Decimal(1) <= value <= Decimal(3):
            raise ValidationError("The maximum factor must be between 1 and 3.", code="range")
        return value

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("start_date", self.instance.start_date)
        deadline = cleaned.get("target_date", self.instance.target_date)
        if start and deadline and deadline <= start:
            self.add_error("target_date", "The deadline must be after the start date.")
        return cleaned


def _adopt(obj: FinancialGoal, saved: FinancialGoal) -> None:
    """Make the admin's instance the row a service wrote (the admin logs and redirects with it)."""
    for f in FinancialGoal._meta.concrete_fields:
        setattr(obj, f.attname, getattr(saved, f.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


@admin.register(FinancialGoal)
class FinancialGoalAdmin(admin.ModelAdmin):
    form = GoalAdminForm
    list_display = (
        "name",
        "owner",
        "type_column",
        "target",
        "progress_column",
        "status_column",
        "state",
        "target_date",
        "days_left_column",
        "reach_column",
    )
    list_filter = ("goal_type", StatusFilter, "state", ("owner", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("owner",)
    search_fields = ("name", "owner__username", "owner__email")
    search_help_text = "Search by goal name, owner username or e-mail."
    autocomplete_fields = ("owner",)
    actions = ("pause_goals", "resume_goals", "archive_goals", "snapshot_goals", "reset_peak_goals")
    list_per_page = 50
    change_form_template = "admin/goals/financialgoal/change_form.html"

    class Media:
        css = ADMIN_CSS

    # Lists and pages.

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("owner")
        return qs.annotate(progress_ratio=F("current_value") / F("target_value"))

    def get_readonly_fields(self, request, obj=None):
        derived = (
            "progress_column",
            "status_detail",
            "expected_display",
            "days_left_column",
            "peak_value",
            "start_value",
            "reach_detail",
        )
        if obj is None:
            return ()
        return (*derived, "owner", "goal_type", "current_value", "created_at", "updated_at")

    def get_fieldsets(self, request, obj=None):
        risk = (
            "Risk settings",
            {"fields": ("max_drawdown_pct", ("min_factor", "max_factor"), "on_achieved", "sizing_policy")},
        )
        if obj is None:
            return (
                (None, {"fields": ("owner", "name", "goal_type", "target_value", "current_value", "capital_base")}),
                ("Dates and state", {"fields": ("start_date", "target_date", "state")}),
                risk,
            )
        return (
            (
                "Progress",
                {
                    "fields": (
                        ("progress_column", "expected_display"),
                        "status_detail",
                        ("current_value", "peak_value", "start_value"),
                        "reach_detail",
                        "record_progress",
                    ),
                    "description": "Progress and status are derived from the current value, the target and "
                    "the dates; they cannot be typed in.",
                },
            ),
            ("Goal", {"fields": ("name", "owner", "goal_type", "target_value", "capital_base", "state")}),
            ("Dates", {"fields": (("start_date", "target_date"), "days_left_column")}),
            risk,
            ("Record", {"fields": (("created_at", "updated_at"),), "classes": ("collapse",)}),
        )

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    @admin.display(description="type", ordering="goal_type")
    def type_column(self, goal):
        return format_html('<span title="{}">{}</span>', goal.get_goal_type_display(), GOAL_TYPE_SHORT[goal.goal_type])

    @admin.display(description="target", ordering="target_value")
    def target(self, goal):
        return target_display(goal)

    @admin.display(description="progress", ordering="progress_ratio")
    def progress_column(self, goal):
        return progress_bar(goal, clock.today())

    @admin.display(description="status")
    def status_column(self, goal):
        return status_badge(goal, clock.today())

    @admin.display(description="status")
    def status_detail(self, goal):
        today = clock.today()
        return format_html(
            '{} <span class="mt-reason">{}</span>', status_badge(goal, today), status_reason(goal, today)
        )

    @admin.display(description="expected by now")
    def expected_display(self, goal):
        expected = goal.expected_pct(clock.today())
        return "no deadline, no pace" if expected is None else f"{expected} %"

    @admin.display(description="days left", ordering="target_date")
    def days_left_column(self, goal):
        return days_left(goal, clock.today())

    @admin.display(description="chance to reach", ordering="reach_probability")
    def reach_column(self, goal):
        return EMPTY if goal.reach_probability is None else f"{goal.reach_probability * 100:.0f} %"

    @admin.display(description="chance of reaching the goal")
    def reach_detail(self, goal):
        if goal.reach_probability is None:
            return "not estimated (no deadline, or no positive target return)"
        return (
            f"{goal.reach_probability * 100:.1f} % under its {goal.sizing_policy} policy — μ {goal.reach_mu}, "
            f"σ {goal.reach_sigma} (source: {goal.reach_source}, {goal.reach_trades} closed trades)"
            + ("" if goal.reach_updated_at is None else f", updated {goal.reach_updated_at:%Y-%m-%d %H:%M} UTC")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        goal = self.get_object(request, unquote(object_id))
        extra = {}
        if goal is not None:
            extra = {
                "goal_chart": goal_chart_for(goal, now=clock.now()),
                "goal_panels": goal_panels(request, goal),
                "goal_tools": self._tools(request, goal),
                "snapshot_interval": settings.GOAL_SNAPSHOT_INTERVAL_SECONDS,
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # Writes: through goals.services only.

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            fields = {k: data[k] for k in services.UPDATABLE_FIELDS - {"name", "target_value"} if k in data}
            saved = services.goal_create(
                owner=data["owner"],
                name=data["name"],
                goal_type=data["goal_type"],
                target_value=data["target_value"],
                current_value=data.get("current_value") or Decimal(0),
                **fields,
            )
        else:
            changed = {k: data[k] for k in form.changed_data if k in services.UPDATABLE_FIELDS}
            saved = services.goal_update(goal=obj, **changed) if changed else obj
            if data.get("record_progress") is not None:
                saved = services.goal_progress_set(goal=saved, current_value=data["record_progress"])
        _adopt(obj, saved)

    def delete_model(self, request, obj):
        services.goal_delete(goal=obj)

    def delete_queryset(self, request, queryset):
        for goal in queryset:
            services.goal_delete(goal=goal)

    # Actions (the list's action menu, and the buttons on a goal's page).

    def _set_state(self, request, queryset, *, state: str, allowed_from: set[str], verb: str):
        done, skipped = 0, []
        for goal in queryset:
            if goal.state in allowed_from:
                services.goal_set_state(goal=goal, state=state)
                done += 1
            else:
                skipped.append(goal)
        self.message_user(request, f"{verb} {done} goal{'' if done == 1 else 's'}.", messages.SUCCESS)
        if skipped:
            names = ", ".join(f"{g.name} ({g.get_state_display().lower()})" for g in skipped[:5])
            self.message_user(
                request,
                f"Skipped {len(skipped)} goal{'' if len(skipped) == 1 else 's'} not in a state that allows "
                f"this: {names}{' …' if len(skipped) > 5 else ''}.",
                messages.WARNING,
            )

    @admin.action(description="Pause selected goals (no new risk)", permissions=["change"])
    def pause_goals(self, request, queryset):
        self._set_state(request, queryset, state=GoalState.PAUSED, allowed_from={GoalState.ACTIVE}, verb="Paused")

    @admin.action(description="Resume selected goals (make active)", permissions=["change"])
    def resume_goals(self, request, queryset):
        self._set_state(
            request,
            queryset,
            state=GoalState.ACTIVE,
            allowed_from={GoalState.PAUSED, GoalState.ARCHIVED},
            verb="Resumed",
        )

    @admin.action(description="Archive selected goals", permissions=["change"])
    def archive_goals(self, request, queryset):
        self._set_state(
            request,
            queryset,
            state=GoalState.ARCHIVED,
            allowed_from={GoalState.ACTIVE, GoalState.PAUSED},
            verb="Archived",
        )

    @admin.action(description="Snapshot selected goals now", permissions=["change"])
    def snapshot_goals(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        written = services.goals_snapshot(goal_ids=ids)
        self.message_user(
            request,
            f"Wrote {written} periodic snapshot{'' if written == 1 else 's'}.",
            messages.SUCCESS if written else messages.WARNING,
        )
        if written < len(ids):
            self.message_user(
                request,
                f"{len(ids) - written} goal{'' if len(ids) - written == 1 else 's'} not snapshotted: paused or "
                "archived goals are skipped, and a goal gets one periodic snapshot per period "
                f"({settings.GOAL_SNAPSHOT_INTERVAL_SECONDS} s).",
                messages.WARNING,
            )

    @admin.action(description="Reset the drawdown peak to the current value", permissions=["change"])
    def reset_peak_goals(self, request, queryset):
        for goal in queryset:
            services.goal_peak_reset(goal=goal, by=request.user, reason=f"Reset in the admin by {request.user}")
        count = queryset.count()
        self.message_user(request, f"Reset the drawdown peak of {count} goal{'' if count == 1 else 's'}.")

    TOOLS = {
        "pause": ("Pause", "pause_goals", {GoalState.ACTIVE}),
        "resume": ("Resume", "resume_goals", {GoalState.PAUSED, GoalState.ARCHIVED}),
        "archive": ("Archive", "archive_goals", {GoalState.ACTIVE, GoalState.PAUSED}),
        "snapshot": ("Snapshot now", "snapshot_goals", {GoalState.ACTIVE}),
        "reset-peak": ("Reset drawdown peak", "reset_peak_goals", {GoalState.ACTIVE, GoalState.PAUSED}),
    }

    def _tools(self, request, goal):
        if not self.has_change_permission(request, goal):
            return []
        return [
            {"label": label, "url": reverse("admin:goals_financialgoal_run", args=[goal.pk, name])}
            for name, (label, _action, states) in self.TOOLS.items()
            if goal.state in states
        ]

    def get_urls(self):
        run = path(
            "<path:object_id>/run/<slug:tool>/",
            self.admin_site.admin_view(self.run_tool_view),
            name="goals_financialgoal_run",
        )
        return [run, *super().get_urls()]

    def run_tool_view(self, request, object_id, tool):
        """POST from a button on the goal's page: run one action on this goal."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        goal = self.get_object(request, unquote(object_id))
        if goal is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if tool not in self.TOOLS or not self.has_change_permission(request, goal):
            raise PermissionDenied
        getattr(self, self.TOOLS[tool][1])(request, self.get_queryset(request).filter(pk=goal.pk))
        return HttpResponseRedirect(reverse("admin:goals_financialgoal_change", args=[goal.pk]))


@admin.register(PeakReset)
class PeakResetAdmin(admin.ModelAdmin):
    """The peak-reset log: read-only."""

    list_display = ("goal", "old_peak", "new_peak", "by", "reason", "created_at")
    list_select_related = ("goal", "by")
    search_fields = ("goal__name", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
