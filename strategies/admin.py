"""Strategies in the admin: the registry with its recorded performance, bulk pause and
resume; and the selection log (read-only, never deletable).

Writes go through strategies.services. Performance comes from
selectors.strategy_performance_many: one call per list page, not one per row."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from goals.admin.panels import PANEL_ROWS, GoalPanel, goal_panel
from mastertrade.core.admin import (
    ADMIN_CSS,
    EMPTY,
    ReadOnlyAdminMixin,
    amount,
    percent,
    signed_amount,
    two_lines,
    when,
)

from . import selectors, services
from .models import StrategyInstance, StrategySelection, StrategyStatus


class PerformanceChangeList(ChangeList):
    """Attach each listed strategy's Performance, fetched for the whole page at once."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        performance = selectors.strategy_performance_many(strategies=self.result_list)
        for strategy in self.result_list:
            strategy.performance = performance[strategy.pk]


def _performance(strategy: StrategyInstance) -> selectors.Performance:
    perf = getattr(strategy, "performance", None)
    if perf is None:  # a single object (the detail page)
        perf = selectors.strategy_performance_many(strategies=[strategy])[strategy.pk]
        strategy.performance = perf
    return perf


class StrategyAdminForm(forms.ModelForm):
    class Meta:
        model = StrategyInstance
        fields = ("owner", "strategy_id", "name", "strategy_type", "risk_profile", "parameters", "status")


@admin.register(StrategyInstance)
class StrategyInstanceAdmin(admin.ModelAdmin):
    form = StrategyAdminForm
    list_display = (
        "strategy_column",
        "owner",
        "type_column",
        "status",
        "trades_column",
        "win_rate_column",
        "pnl_column",
        "ratio_column",
        "drawdown_column",
    )
    list_display_links = ("strategy_column",)
    list_filter = ("strategy_type", "risk_profile", "status", ("owner", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("owner",)
    search_fields = ("strategy_id", "name", "owner__username")
    search_help_text = "Search by strategy id, name or owner username."
    autocomplete_fields = ("owner",)
    actions = ("pause_strategies", "resume_strategies")
    list_per_page = 100

    class Media:
        css = ADMIN_CSS

    def get_changelist(self, request, **kwargs):
        return PerformanceChangeList

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("owner", "strategy_id", "performance_table", "created_at", "updated_at")

    def get_fieldsets(self, request, obj=None):
        main = ("owner", "strategy_id", "name", "strategy_type", "risk_profile", "status", "parameters")
        if obj is None:
            return ((None, {"fields": main}),)
        return (
            (None, {"fields": main}),
            ("Recorded performance (closed trades)", {"fields": ("performance_table",)}),
            ("Record", {"fields": (("created_at", "updated_at"),), "classes": ("collapse",)}),
        )

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    @admin.display(description="strategy", ordering="strategy_id")
    def strategy_column(self, strategy):
        return two_lines(strategy.strategy_id, strategy.name)

    @admin.display(description="type / risk profile", ordering="strategy_type")
    def type_column(self, strategy):
        return two_lines(strategy.get_strategy_type_display(), f"{strategy.get_risk_profile_display()} risk")

    # Performance columns (from the page's one Performance fetch).

    @admin.display(description="trades")
    def trades_column(self, strategy):
        return _performance(strategy).trades

    @admin.display(description="win rate")
    def win_rate_column(self, strategy):
        rate = _performance(strategy).win_rate
        return percent(None if rate is None else rate * 100, 1)

    @admin.display(description="P&L")
    def pnl_column(self, strategy):
        return signed_amount(_performance(strategy).total_pnl)

    @admin.display(description="risk-adj. ratio")
    def ratio_column(self, strategy):
        ratio = _performance(strategy).risk_adjusted_ratio
        return EMPTY if ratio is None else str(ratio)

    @admin.display(description="max drawdown")
    def drawdown_column(self, strategy):
        return amount(_performance(strategy).max_drawdown)

    @admin.display(description="performance")
    def performance_table(self, strategy):
        perf = _performance(strategy)
        rows = [
            ("Closed trades", perf.trades),
            ("Wins", perf.wins),
            ("Win rate", percent(None if perf.win_rate is None else perf.win_rate * 100, 1)),
            ("Total P&L", signed_amount(perf.total_pnl)),
            ("Mean P&L per trade", signed_amount(perf.mean_pnl)),
            (
                "Risk-adjusted ratio (mean / st. dev. of returns)",
                EMPTY if perf.risk_adjusted_ratio is None else perf.risk_adjusted_ratio,
            ),
            ("Max drawdown of cumulative P&L", amount(perf.max_drawdown)),
        ]
        return format_html(
            '<table class="mt-table"><tbody>{}</tbody></table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    # Writes: through strategies.services only.

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.strategy_create(
                owner=data["owner"],
                strategy_id=data["strategy_id"],
                name=data["name"],
                strategy_type=data["strategy_type"],
                risk_profile=data["risk_profile"],
                status=data["status"],
                parameters=data["parameters"],
            )
        else:
            changed = {k: data[k] for k in form.changed_data if k in services.UPDATABLE_FIELDS}
            saved = services.strategy_update(strategy=obj, **changed) if changed else obj
        for f in StrategyInstance._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))
        obj._state.adding = False

    def _set_status(self, request, queryset, status: str, verb: str):
        count = services.strategies_set_status(strategies=list(queryset), status=status)
        self.message_user(request, f"{verb} {count} strateg{'y' if count == 1 else 'ies'}.", messages.SUCCESS)

    @admin.action(description="Pause selected strategies (never selected while paused)", permissions=["change"])
    def pause_strategies(self, request, queryset):
        self._set_status(request, queryset, StrategyStatus.PAUSED, "Paused")

    @admin.action(description="Resume selected strategies (make active)", permissions=["change"])
    def resume_strategies(self, request, queryset):
        self._set_status(request, queryset, StrategyStatus.ACTIVE, "Resumed")


@admin.register(StrategySelection)
class StrategySelectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_column", "goal", "selected", "stance_column", "progress_column", "reason_column", "owner")
    list_filter = (
        ("goal", admin.RelatedOnlyFieldListFilter),
        "stance",
        ("created_at", admin.DateFieldListFilter),
        ("selected", admin.RelatedOnlyFieldListFilter),
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("goal", "selected", "owner")
    search_fields = ("goal__name", "selected__strategy_id", "owner__username")
    search_help_text = "Search by goal name, strategy id or owner username."
    date_hierarchy = "created_at"
    list_per_page = 100
    fields = ("created_at", "owner", "goal", "selected", "stance", "progress_pct", "reason", "ranking_table")
    readonly_fields = ("ranking_table",)

    class Media:
        css = ADMIN_CSS

    @admin.display(description="time (UTC)", ordering="created_at")
    def created_column(self, selection):
        return when(selection.created_at)

    @admin.display(description="stance", ordering="stance")
    def stance_column(self, selection):
        return format_html('<span title="{}">{}</span>', selection.get_stance_display(), selection.stance)

    @admin.display(description="progress", ordering="progress_pct")
    def progress_column(self, selection):
        return percent(selection.progress_pct)

    @admin.display(description="reason")
    def reason_column(self, selection):
        return format_html('<span title="{}">{}</span>', selection.reason, truncatechars(selection.reason, 70))

    @admin.display(description="ranking")
    def ranking_table(self, selection):
        columns = ("strategy_id", "score", "eligible", "fit", "performance_score", "trades", "win_rate", "note")

        def cell(value):
            if value is None:
                return EMPTY
            return ("no", "yes")[value] if isinstance(value, bool) else value

        rows = [[cell(row.get(c)) for c in columns] for row in selection.ranking or []]
        return format_html(
            '<table class="mt-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
            format_html_join("", "<th>{}</th>", ((c.replace("_", " "),) for c in columns)),
            format_html_join(
                "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((v,) for v in r)),) for r in rows)
            ),
        )


@goal_panel
def latest_selections(request, goal) -> GoalPanel | None:
    if not request.user.has_perm("strategies.view_strategyselection"):
        return None
    selections = selectors.selection_list_for_user(user=goal.owner, goal=goal)[:PANEL_ROWS]
    return GoalPanel(
        title="Latest strategy selections",
        headers=["Time", "Selected", "Stance", "Progress", "Reason"],
        rows=[
            [
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:strategies_strategyselection_change", args=[s.pk]),
                    when(s.created_at),
                ),
                s.selected.strategy_id,
                s.stance,
                percent(s.progress_pct),
                format_html('<span class="mt-wrap" title="{}">{}</span>', s.reason, truncatechars(s.reason, 90)),
            ]
            for s in selections
        ],
        more_url=reverse("admin:strategies_strategyselection_changelist") + f"?goal__id__exact={goal.pk}",
        empty="No strategy selections for this goal yet.",
    )
