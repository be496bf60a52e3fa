from django.conf import settings
from django.db import models
from django.db.models import Q

from goals.models import FinancialGoal
from mastertrade.core import clock
from mastertrade.core.money import PERCENT, decimal_kwargs


class StrategyType(models.TextChoices):
    MOMENTUM = "momentum", "Momentum"
    BREAKOUT = "breakout", "Breakout"
    TREND_FOLLOWING = "trend_following", "Trend following"
    MEAN_REVERSION = "mean_reversion", "Mean reversion"
    MARKET_MAKING = "market_making", "Market making"
    ARBITRAGE = "arbitrage", "Arbitrage"
    OTHER = "other", "Other"


class RiskProfile(models.TextChoices):
    AGGRESSIVE = "aggressive", "Aggressive"
    MODERATE = "moderate", "Moderate"
    CONSERVATIVE = "conservative", "Conservative"


class StrategyStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    RETIRED = "retired", "Retired"
    FAILED = "failed", "Failed"


class SelectionStance(models.TextChoices):
    AGGRESSIVE = "aggressive", "Aggressive (behind)"
    BALANCED = "balanced", "Balanced (on track)"
    CONSERVATIVE = "conservative", "Conservative (near or past the goal)"


class StrategyInstance(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="strategies")
    strategy_id = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    strategy_type = models.CharField(max_length=20, choices=StrategyType.choices)
    risk_profile = models.CharField(max_length=12, choices=RiskProfile.choices, default=RiskProfile.MODERATE)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=StrategyStatus.choices, default=StrategyStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "strategy_instances"
        ordering = ["strategy_id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "strategy_id"], name="strategy_id_unique_per_owner"),
            models.CheckConstraint(condition=Q(strategy_type__in=StrategyType.values), name="strategy_type_valid"),
            models.CheckConstraint(
                condition=Q(risk_profile__in=RiskProfile.values), name="strategy_risk_profile_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=StrategyStatus.values), name="strategy_status_valid"),
            models.CheckConstraint(condition=Q(strategy_id__regex=r"^[-a-zA-Z0-9_]+$"), name="strategy_id_is_slug"),
        ]

    def __str__(self) -> str:
        return self.strategy_id


class StrategySelection(models.Model):
    """One selection answer, kept so a person can later see why a strategy ran."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="strategy_selections")
    goal = models.ForeignKey(FinancialGoal, on_delete=models.PROTECT, related_name="selections")
    selected = models.ForeignKey(StrategyInstance, on_delete=models.PROTECT, related_name="selections")
    stance = models.CharField(max_length=12, choices=SelectionStance.choices)
    progress_pct = models.DecimalField(**decimal_kwargs(PERCENT))
    reason = models.TextField()
    ranking = models.JSONField()
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        db_table = "strategy_selections"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stance__in=SelectionStance.values), name="selection_stance_valid")
        ]

    def __str__(self) -> str:
        return f"{self.goal_id} → {self.selected_id} ({self.stance})"
