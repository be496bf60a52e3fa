"""The drawdown guard's clock in the audit row, and the existing goals' calendar and guard state.

Existing goals get the calendar their trades point to (24/7 when one of their symbols is a
crypto pair, goals.calendars.default_for_symbols; weekdays otherwise, the field's default),
and a goal already past its drawdown limit starts the guard's clock now."""

from django.db import migrations, models
from django.utils import timezone


def existing_goals(apps, schema_editor):
    from goals import calendars
    from risk.inputs import goal_drawdown_pct

    goals = apps.get_model("goals", "FinancialGoal")
    trades = apps.get_model("trades", "Trade")
    now = timezone.now()
    for goal in goals.objects.all().iterator():
        symbols = trades.objects.filter(goal=goal).values_list("symbol", flat=True).distinct()
        goal.calendar = calendars.default_for_symbols(symbols)
        if goal.peak_value > goal.current_value and goal_drawdown_pct(goal) >= goal.max_drawdown_pct:
            goal.fall_at = now
        goal.save(update_fields=["calendar", "fall_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0004_calendar_and_guard_clock"),
        ("trades", "0002_limits_and_open_trades_have_no_exit"),
        ("risk", "0005_audit_owner_index_in_composite"),
    ]

    operations = [
        migrations.AddField(
            model_name="goaladjustment",
            name="days_since_fall",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=12, null=True),
        ),
        migrations.RunPython(existing_goals, migrations.RunPython.noop),
    ]
