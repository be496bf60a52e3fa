"""The trade ledger in the admin: a filterable, read-only list.

Trades are recorded through the API (trades.services.trade_record), which moves the
linked goal in the same transaction; editing or deleting a row here would leave the
goal out of step with its ledger, so the admin only shows them."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from goals.admin.panels import PANEL_ROWS, GoalPanel, goal_panel
from mastertrade.core.admin import ADMIN_CSS, EMPTY, ReadOnlyAdminMixin, price, signed_amount, when

from . import selectors
from .models import Trade


@admin.register(Trade)
class TradeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "entry_time_column",
        "symbol",
        "side",
        "quantity_column",
        "entry_price_column",
        "exit_price_column",
        "pnl_column",
        "status",
        "goal",
        "strategy",
        "owner",
    )
    list_display_links = ("entry_time_column",)
    list_filter = (
        ("goal", admin.RelatedOnlyFieldListFilter),
        ("strategy", admin.RelatedOnlyFieldListFilter),
        "symbol",
        "side",
        "status",
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("owner", "goal", "strategy")
    search_fields = ("symbol", "external_id", "owner__username")
    search_help_text = "Search by symbol, external id or owner username."
    date_hierarchy = "entry_time"
    list_per_page = 100

    class Media:
        css = ADMIN_CSS

    @admin.display(description="entry time (UTC)", ordering="entry_time")
    def entry_time_column(self, trade):
        return when(trade.entry_time)

    @admin.display(description="quantity", ordering="quantity")
    def quantity_column(self, trade):
        return price(trade.quantity)

    @admin.display(description="entry", ordering="entry_price")
    def entry_price_column(self, trade):
        return price(trade.entry_price)

    @admin.display(description="exit", ordering="exit_price")
    def exit_price_column(self, trade):
        return price(trade.exit_price)

    @admin.display(description="P&L", ordering="profit_loss")
    def pnl_column(self, trade):
        return signed_amount(trade.profit_loss)


@goal_panel
def linked_trades(request, goal) -> GoalPanel | None:
    if not request.user.has_perm("trades.view_trade"):
        return None
    trades = selectors.trade_list_for_user(user=goal.owner).filter(goal=goal)[:PANEL_ROWS]
    return GoalPanel(
        title="Linked trades",
        headers=["Entry time", "Symbol", "Side", "Quantity", "P&L", "Status", "Strategy"],
        rows=[
            [
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:trades_trade_change", args=[t.pk]),
                    when(t.entry_time),
                ),
                t.symbol,
                t.get_side_display(),
                price(t.quantity),
                signed_amount(t.profit_loss),
                t.get_status_display(),
                t.strategy.strategy_id if t.strategy else EMPTY,
            ]
            for t in trades
        ],
        more_url=reverse("admin:trades_trade_changelist") + f"?goal__id__exact={goal.pk}",
        empty="No trades linked to this goal.",
    )
