"""The sizing audit log in the admin: read-only, never deletable."""

from django.contrib import admin
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html

from goals.admin.panels import PANEL_ROWS, GoalPanel, goal_panel
from mastertrade.core.admin import ADMIN_CSS, ReadOnlyAdminMixin, percent, price, when

from . import selectors
from .models import GoalAdjustment


@admin.register(GoalAdjustment)
class GoalAdjustmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_column",
        "goal",
        "owner",
        "symbol",
        "base_column",
        "factor_column",
        "adjusted_column",
        "stance_column",
        "progress_column",
        "reason_column",
    )
    list_filter = (
        ("goal", admin.RelatedOnlyFieldListFilter),
        "stance",
        ("created_at", admin.DateFieldListFilter),
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("goal", "owner")
    search_fields = ("goal__name", "symbol", "owner__username")
    search_help_text = "Search by goal name, symbol or owner username."
    date_hierarchy = "created_at"
    list_per_page = 100
    fieldsets = (
        (None, {"fields": ("created_at", "owner", "goal", "symbol")}),
        ("Decision", {"fields": ("stance", "adjustment_factor", "base_position_size", "adjusted_size", "reason")}),
        (
            "Inputs",
            {
                "fields": (
                    "current_value",
                    "target_value",
                    "progress_pct",
                    "expected_pct",
                    "drawdown_pct",
                    "portfolio_value",
                )
            },
        ),
    )

    class Media:
        css = ADMIN_CSS

    @admin.display(description="time (UTC)", ordering="created_at")
    def created_column(self, adjustment):
        return when(adjustment.created_at)

    @admin.display(description="base size", ordering="base_position_size")
    def base_column(self, adjustment):
        return price(adjustment.base_position_size)

    @admin.display(description="factor", ordering="adjustment_factor")
    def factor_column(self, adjustment):
        return f"× {adjustment.adjustment_factor}"

    @admin.display(description="stance", ordering="stance")
    def stance_column(self, adjustment):
        return format_html('<span title="{}">{}</span>', adjustment.get_stance_display(), adjustment.stance)

    @admin.display(description="adjusted size", ordering="adjusted_size")
    def adjusted_column(self, adjustment):
        return price(adjustment.adjusted_size)

    @admin.display(description="progress", ordering="progress_pct")
    def progress_column(self, adjustment):
        return percent(adjustment.progress_pct)

    @admin.display(description="reason")
    def reason_column(self, adjustment):
        return format_html('<span title="{}">{}</span>', adjustment.reason, truncatechars(adjustment.reason, 70))


@goal_panel
def latest_sizing_decisions(request, goal) -> GoalPanel | None:
    if not request.user.has_perm("risk.view_goaladjustment"):
        return None
    adjustments = selectors.adjustment_list_for_user(user=goal.owner, goal=goal)[:PANEL_ROWS]
    return GoalPanel(
        title="Latest sizing decisions",
        headers=["Time", "Symbol", "Base size", "Factor", "Adjusted size", "Stance", "Reason"],
        rows=[
            [
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:risk_goaladjustment_change", args=[a.pk]),
                    when(a.created_at),
                ),
                a.symbol or "—",
                price(a.base_position_size),
                f"× {a.adjustment_factor}",
                price(a.adjusted_size),
                a.stance,
                format_html('<span class="mt-wrap" title="{}">{}</span>', a.reason, truncatechars(a.reason, 90)),
            ]
            for a in adjustments
        ],
        more_url=reverse("admin:risk_goaladjustment_changelist") + f"?goal__id__exact={goal.pk}",
        empty="No sizing decisions for this goal yet.",
    )
