"""The goal's ModelAdmin: the list with progress bars, the detail page with the chart and
the goal's audit trail, and the state and snapshot actions. Every write goes through
goals.services; status and progress are derived (read-only), shown with the reason."""

from decimal import Decimal

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from goals import progress, selectors, services
from goals.models import GOAL_UPDATABLE_FIELDS, FinancialGoal, GoalState, PeakReset
from mastertrade.core import clock
from mastertrade.core.admin import ADMIN_CSS

from .chart import goal_chart_for
from .display import GOAL_TYPE_SHORT, days_left, progress_bar, status_badge, status_reason, target_display
from .forms import GoalAdminForm
from .panels import goal_panels


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
                ("Dates and state", {"fields": ("start_date", "target_date", "calendar", "state")}),
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
            ("Dates", {"fields": (("start_date", "target_date"), "calendar", "days_left_column")}),
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
            fields = {k: data[k] for k in set(GOAL_UPDATABLE_FIELDS) - {"name", "target_value"} if k in data}
            saved = services.goal_create(
                owner=data["owner"],
                name=data["name"],
                goal_type=data["goal_type"],
                target_value=data["target_value"],
                current_value=data.get("current_value") or Decimal(0),
                **fields,
            )
        else:
            changed = {k: data[k] for k in form.changed_data if k in GOAL_UPDATABLE_FIELDS}
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

    def _set_state(self, request, queryset, *, state: str, verb: str):
        done, skipped = 0, []
        for goal in queryset:
            if self._can_move(goal, state):
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
        self._set_state(request, queryset, state=GoalState.PAUSED, verb="Paused")

    @admin.action(description="Resume selected goals (make active)", permissions=["change"])
    def resume_goals(self, request, queryset):
        self._set_state(request, queryset, state=GoalState.ACTIVE, verb="Resumed")

    @admin.action(description="Archive selected goals", permissions=["change"])
    def archive_goals(self, request, queryset):
        self._set_state(request, queryset, state=GoalState.ARCHIVED, verb="Archived")

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

    # name: (label, action, the state it moves to — None: no state change, active goals only)
    TOOLS = {
        "pause": ("Pause", "pause_goals", GoalState.PAUSED),
        "resume": ("Resume", "resume_goals", GoalState.ACTIVE),
        "archive": ("Archive", "archive_goals", GoalState.ARCHIVED),
        "snapshot": ("Snapshot now", "snapshot_goals", None),
        "reset-peak": ("Reset drawdown peak", "reset_peak_goals", None),
    }

    @staticmethod
    def _can_move(goal, state) -> bool:
        return goal.state != state and services.goal_state_change_allowed(current=goal.state, new=state)

    def _tools(self, request, goal):
        if not self.has_change_permission(request, goal):
            return []
        return [
            {"label": label, "url": reverse("admin:goals_financialgoal_run", args=[goal.pk, name])}
            for name, (label, _action, state) in self.TOOLS.items()
            if (goal.state == GoalState.ACTIVE if state is None else self._can_move(goal, state))
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
