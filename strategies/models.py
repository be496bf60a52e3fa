import json
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from goals.models import FinancialGoal
from mastertrade.core import clock
from mastertrade.core.money import PERCENT, decimal_kwargs
from mastertrade.core.validators import has_visible_text

# Path segments of the strategies API, so never a strategy_id.
RESERVED_IDS = ("select", "selections")
MAX_PARAMETERS_BYTES = 16384

strategy_id_format = RegexValidator(
    rf"^(?!(?:{'|'.join(RESERVED_IDS)})$)[-a-zA-Z0-9_]+\Z",
    message=f"Letters, digits, - and _ only; {' and '.join(RESERVED_IDS)} are reserved (API paths).",
    code="invalid",
)


def _json_problem(value) -> str | None:
    """What PostgreSQL's jsonb cannot store: NUL characters, NaN and infinities."""
    if isinstance(value, str):
        return "Null characters are not allowed." if "\x00" in value else None
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN and infinite numbers are not allowed."
    if isinstance(value, dict):
        return next(filter(None, (_json_problem(k) or _json_problem(v) for k, v in value.items())), None)
    if isinstance(value, list):
        return next(filter(None, (_json_problem(v) for v in value)), None)
    return None


def validate_parameters(value) -> None:
    """A strategy's parameters: a JSON object of at most MAX_PARAMETERS_BYTES that jsonb can store."""
    if not isinstance(value, dict):
        raise ValidationError("Must be a JSON object.", code="invalid")
    problem = _json_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid")
    if len(json.dumps(value)) > MAX_PARAMETERS_BYTES:
        raise ValidationError(f"Must be at most {MAX_PARAMETERS_BYTES} bytes as JSON.", code="max_length")


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
    strategy_id = models.SlugField(max_length=64, validators=[strategy_id_format])
    name = models.CharField(max_length=200, validators=[has_visible_text])
    strategy_type = models.CharField(max_length=20, choices=StrategyType.choices)
    risk_profile = models.CharField(max_length=12, choices=RiskProfile.choices, default=RiskProfile.MODERATE)
    parameters = models.JSONField(default=dict, blank=True, validators=[validate_parameters])
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
            models.CheckConstraint(condition=~Q(strategy_id__in=RESERVED_IDS), name="strategy_id_not_reserved"),
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="strategy_name_visible"),
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
