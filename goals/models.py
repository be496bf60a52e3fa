from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from mastertrade.core import clock
from mastertrade.core.errors import INVALID_COMBINATION
from mastertrade.core.money import AMOUNT, FACTOR, PERCENT, decimal_kwargs
from mastertrade.core.validators import above_zero, has_visible_text

from . import calendars, progress


class GoalType(models.TextChoices):
    MONTHLY_RETURN = "monthly_return", "Monthly return (%)"
    MONTHLY_INCOME = "monthly_income", "Monthly income (money)"
    PORTFOLIO_VALUE = "portfolio_value", "Portfolio value (money)"


class GoalState(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ARCHIVED = "archived", "Archived"


class OnAchieved(models.TextChoices):
    REDUCE = "reduce", "Reduce to the minimum factor"
    PAUSE = "pause", "Pause new risk (factor 0)"


class SizingPolicy(models.TextChoices):
    DEFAULT = "default", "Default (contract-keeping, built on the DP)"
    OPTIMAL = "optimal", "Optimal (the DP: maximise the chance of reaching the goal)"


CALENDAR_CHOICES = [(calendars.CALENDAR_24_7, "24/7 (crypto)"), (calendars.CALENDAR_WEEKDAYS, "Weekdays")] + [
    (mic, f"{mic} sessions") for mic in calendars.EXCHANGES
]


# The fields a person sets, in one list for the service, the admin form and the API: on a goal
# that exists (PATCH, the admin's change page), and when creating one (also its type and
# starting value, which are fixed afterwards: progress has its own endpoint).
GOAL_UPDATABLE_FIELDS = (
    "name",
    "target_value",
    "start_date",
    "target_date",
    "capital_base",
    "state",
    "max_drawdown_pct",
    "min_factor",
    "max_factor",
    "on_achieved",
    "sizing_policy",
    "calendar",
)
GOAL_CREATE_FIELDS = ("goal_type", "current_value", *GOAL_UPDATABLE_FIELDS)


class FinancialGoal(models.Model):
    """A trader's goal. Field limits are the validators below (with a CheckConstraint
    for each in the database); rules across fields are in clean(). The API serializers,
    the admin form and the OpenAPI schema all derive from these."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals")
    name = models.CharField(max_length=200, validators=[has_visible_text])
    goal_type = models.CharField(max_length=20, choices=GoalType.choices)
    target_value = models.DecimalField(**decimal_kwargs(AMOUNT), validators=[above_zero(AMOUNT)])
    current_value = models.DecimalField(**decimal_kwargs(AMOUNT), default=Decimal("0"))
    # The drawdown guard's peak: the highest value since the goal started, its peak was reset or
    # its last halt ended (risk.policies.guard_drawdown).
    peak_value = models.DecimalField(**decimal_kwargs(AMOUNT), default=Decimal("0"))
    # Capital a monthly_return goal's percent is measured against (trades move it by P&L / capital × 100).
    capital_base = models.DecimalField(**decimal_kwargs(AMOUNT), null=True, blank=True, validators=[above_zero(AMOUNT)])
    start_date = models.DateField(default=clock.today)
    target_date = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=GoalState.choices, default=GoalState.ACTIVE)
    max_drawdown_pct = models.DecimalField(
        **decimal_kwargs(PERCENT), default=Decimal("15"), validators=[above_zero(PERCENT), MaxValueValidator(100)]
    )
    # min_factor <= 1 <= max_factor, so the minimum never exceeds the maximum.
    min_factor = models.DecimalField(
        **decimal_kwargs(FACTOR), default=Decimal("0.5"), validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    max_factor = models.DecimalField(
        **decimal_kwargs(FACTOR), default=Decimal("1.3"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    on_achieved = models.CharField(max_length=10, choices=OnAchieved.choices, default=OnAchieved.PAUSE)
    sizing_policy = models.CharField(max_length=10, choices=SizingPolicy.choices, default=SizingPolicy.DEFAULT)
    # Where progress is measured from (portfolio_value: the value when the goal was created).
    start_value = models.DecimalField(**decimal_kwargs(AMOUNT), null=True, blank=True)
    # When peak_value was last set.
    peak_at = models.DateTimeField(null=True, blank=True)
    # When the fall from peak_value reached max_drawdown_pct (null: it has not since the peak
    # was set): the drawdown guard's clock (risk.policies.guard_drawdown, kept by risk).
    fall_at = models.DateTimeField(null=True, blank=True)
    # Whose trading days the goal counts (goals.calendars): pace, the model's days, the guard's clock.
    calendar = models.CharField(max_length=16, choices=CALENDAR_CHOICES, default=calendars.CALENDAR_WEEKDAYS)
    # The chance of reaching the goal under its own policy, and its inputs (risk.estimates),
    # refreshed when a trade or a progress update changes them: reads cost no extra query.
    reach_probability = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    reach_mu = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    reach_sigma = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    reach_source = models.CharField(max_length=10, blank=True, default="")
    reach_trades = models.PositiveIntegerField(default=0)
    reach_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "financial_goals"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "state"]), models.Index(fields=["state"])]
        constraints = [
            models.CheckConstraint(condition=Q(target_value__gt=0), name="goal_target_positive"),
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="goal_name_visible"),
            models.CheckConstraint(condition=Q(goal_type__in=GoalType.values), name="goal_type_valid"),
            models.CheckConstraint(condition=Q(state__in=GoalState.values), name="goal_state_valid"),
            models.CheckConstraint(condition=Q(on_achieved__in=OnAchieved.values), name="goal_on_achieved_valid"),
            models.CheckConstraint(
                condition=Q(target_date__isnull=True) | Q(target_date__gt=F("start_date")),
                name="goal_target_date_after_start",
            ),
            models.CheckConstraint(
                condition=Q(capital_base__isnull=True) | Q(capital_base__gt=0), name="goal_capital_base_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_drawdown_pct__gt=0) & Q(max_drawdown_pct__lte=100), name="goal_max_drawdown_range"
            ),
            models.CheckConstraint(
                condition=Q(min_factor__gte=0) & Q(min_factor__lte=1) & Q(max_factor__gte=1) & Q(max_factor__lte=3),
                name="goal_factor_bounds",
            ),
            models.CheckConstraint(condition=Q(peak_value__gte=F("current_value")), name="goal_peak_at_least_current"),
            models.CheckConstraint(condition=Q(sizing_policy__in=SizingPolicy.values), name="goal_sizing_policy_valid"),
            models.CheckConstraint(condition=Q(calendar__in=calendars.CALENDARS), name="goal_calendar_valid"),
            models.CheckConstraint(
                condition=Q(reach_probability__isnull=True)
                | (Q(reach_probability__gte=0) & Q(reach_probability__lte=1)),
                name="goal_reach_probability_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """Rules across fields (their code: INVALID_COMBINATION): the deadline is after the
        start; progress stays within ±PROGRESS_LIMIT_PCT of the target."""
        errors = {}
        if self.start_date and self.target_date and self.target_date <= self.start_date:
            errors["target_date"] = "Must be after the start date."
        if self.target_value is not None and self.target_value > 0 and self.current_value is not None:
            limit = self.target_value * progress.PROGRESS_LIMIT_PCT / 100
            if abs(self.current_value) > limit or abs(self.peak_value or 0) > limit:
                errors["current_value"] = (
                    f"Progress must stay within ±{progress.PROGRESS_LIMIT_PCT:,} % of the target "
                    f"(here ±{limit.normalize():f})."
                )
        if errors:
            raise ValidationError({k: ValidationError(m, code=INVALID_COMBINATION) for k, m in errors.items()})

    # Derived values (never stored, never typed in).
    def progress_start(self):
        return progress.progress_start(self.goal_type, self.start_value, self.target_value)

    def progress_pct(self):
        return progress.progress_pct(self.current_value, self.target_value, self.progress_start())

    def expected_pct(self, today=None):
        return progress.expected_pct(self.start_date, self.target_date, today or clock.today(), calendar=self.calendar)

    def status(self, today=None) -> str:
        today = today or clock.today()
        passed = self.target_date is not None and today > self.target_date
        return progress.status_for(self.progress_pct(), self.expected_pct(today), passed)


class SnapshotSource(models.TextChoices):
    PERIODIC = "periodic", "Periodic"
    UPDATE = "update", "Progress update"
    TRADE = "trade", "Trade"


class GoalProgressSnapshot(models.Model):
    goal = models.ForeignKey(FinancialGoal, on_delete=models.CASCADE, related_name="snapshots")
    snapshot_at = models.DateTimeField(default=clock.now)
    # Start of the snapshot period, for periodic rows only: unique per goal.
    period_start = models.DateTimeField(null=True, blank=True)
    current_value = models.DecimalField(**decimal_kwargs(AMOUNT))
    target_value = models.DecimalField(**decimal_kwargs(AMOUNT))
    progress_pct = models.DecimalField(**decimal_kwargs(PERCENT))
    status = models.CharField(max_length=10, choices=progress.STATUS_CHOICES)
    source = models.CharField(max_length=10, choices=SnapshotSource.choices)

    class Meta:
        db_table = "goal_progress_history"
        ordering = ["snapshot_at", "id"]
        indexes = [models.Index(fields=["goal", "snapshot_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "period_start"], condition=Q(source="periodic"), name="snapshot_one_periodic_per_period"
            ),
            models.CheckConstraint(
                condition=Q(source="periodic", period_start__isnull=False)
                | (~Q(source="periodic") & Q(period_start__isnull=True)),
                name="snapshot_period_only_for_periodic",
            ),
            models.CheckConstraint(condition=Q(source__in=SnapshotSource.values), name="snapshot_source_valid"),
            models.CheckConstraint(
                condition=Q(status__in=[c for c, _ in progress.STATUS_CHOICES]), name="snapshot_status_valid"
            ),
            models.CheckConstraint(condition=Q(target_value__gt=0), name="snapshot_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.goal_id} @ {self.snapshot_at:%Y-%m-%d %H:%M} ({self.source})"


class PeakReset(models.Model):
    """The drawdown peak set back to the current value: who, why, from what (append-only)."""

    goal = models.ForeignKey(FinancialGoal, on_delete=models.CASCADE, related_name="peak_resets")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    reason = models.CharField(max_length=500)
    old_peak = models.DecimalField(**decimal_kwargs(AMOUNT))
    new_peak = models.DecimalField(**decimal_kwargs(AMOUNT))
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        db_table = "goal_peak_reset_log"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="peak_reset_reason_not_empty")]

    def __str__(self) -> str:
        return f"{self.goal_id}: peak {self.old_peak} → {self.new_peak}"


class CalendarHoliday(models.Model):
    """An exchange calendar's weekdays without a session (goals.calendars.holidays), so
    that SQL counts the same trading days as Python (goals.progress.goal_status_sql_joins).
    Stored when a goal first names the calendar (goals.services)."""

    calendar = models.CharField(max_length=16)
    day = models.DateField()

    class Meta:
        db_table = "goal_calendar_holiday"
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="calendar_holiday_unique")]

    def __str__(self) -> str:
        return f"{self.calendar} {self.day}"
