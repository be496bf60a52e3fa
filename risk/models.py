from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from goals.models import FinancialGoal
from mastertrade.core import clock
from mastertrade.core.money import AMOUNT, FACTOR, PERCENT, QUANTITY, decimal_kwargs
from mastertrade.core.validators import above_zero

MAX_POSITION = Decimal(10) ** 18


class Stance(models.TextChoices):
    AGGRESSIVE = "aggressive", "Aggressive (behind)"
    BALANCED = "balanced", "Balanced (on track)"
    CONSERVATIVE = "conservative", "Conservative (near or past the goal)"
    PROTECTIVE = "protective", "Protective (nearing the drawdown limit)"
    HALTED = "halted", "Halted (drawdown limit passed)"
    PAUSED = "paused", "Paused (goal achieved)"


class GoalAdjustment(models.Model):
    """One sizing decision: the audit trail. Append-only."""

    # No index of its own: the composite index below starts with the owner (one index
    # less to write on the sizing hot path's INSERT).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goal_adjustments", db_index=False
    )
    # PROTECT: a goal with decisions in the audit log is archived, not deleted.
    goal = models.ForeignKey(FinancialGoal, on_delete=models.PROTECT, related_name="adjustments")
    base_position_size = models.DecimalField(
        **decimal_kwargs(QUANTITY), validators=[above_zero(QUANTITY), MaxValueValidator(MAX_POSITION)]
    )
    portfolio_value = models.DecimalField(
        **decimal_kwargs(AMOUNT), null=True, blank=True, validators=[above_zero(AMOUNT)]
    )
    symbol = models.CharField(max_length=32, blank=True, default="")
    current_value = models.DecimalField(**decimal_kwargs(AMOUNT))
    target_value = models.DecimalField(**decimal_kwargs(AMOUNT))
    progress_pct = models.DecimalField(**decimal_kwargs(PERCENT))
    expected_pct = models.DecimalField(**decimal_kwargs(PERCENT), null=True, blank=True)
    drawdown_pct = models.DecimalField(**decimal_kwargs(PERCENT))
    adjustment_factor = models.DecimalField(**decimal_kwargs(FACTOR))
    adjusted_size = models.DecimalField(**decimal_kwargs(QUANTITY))
    stance = models.CharField(max_length=12, choices=Stance.choices)
    reason = models.TextField()
    # Every other input of the decision, so that it can be replayed exactly (policies.decide).
    policy = models.CharField(max_length=10, blank=True, default="")
    policy_version = models.CharField(max_length=10, blank=True, default="")
    min_factor = models.DecimalField(**decimal_kwargs(FACTOR), null=True, blank=True)
    max_factor = models.DecimalField(**decimal_kwargs(FACTOR), null=True, blank=True)
    max_drawdown_pct = models.DecimalField(**decimal_kwargs(PERCENT), null=True, blank=True)
    on_achieved = models.CharField(max_length=10, blank=True, default="")
    peak_value = models.DecimalField(**decimal_kwargs(AMOUNT), null=True, blank=True)
    days_since_peak = models.DecimalField(**decimal_kwargs(PERCENT), null=True, blank=True)
    # The guard's clock: trading days since the fall reached the limit (null: no such fall).
    days_since_fall = models.DecimalField(**decimal_kwargs(PERCENT), null=True, blank=True)
    mu = models.FloatField(null=True, blank=True)
    sigma = models.FloatField(null=True, blank=True)
    target_return = models.FloatField(null=True, blank=True)
    horizon_days = models.PositiveIntegerField(null=True, blank=True)
    reach_probability = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        db_table = "goal_adjustment_log"
        verbose_name = "sizing decision"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "goal", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(base_position_size__gt=0), name="adjustment_base_positive"),
            models.CheckConstraint(condition=Q(adjustment_factor__gte=0), name="adjustment_factor_non_negative"),
            models.CheckConstraint(condition=Q(adjusted_size__gte=0), name="adjustment_size_non_negative"),
            models.CheckConstraint(condition=Q(stance__in=Stance.values), name="adjustment_stance_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="adjustment_reason_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.goal_id}: ×{self.adjustment_factor} ({self.stance})"
