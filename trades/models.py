from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from goals.models import FinancialGoal
from mastertrade.core.errors import INVALID_COMBINATION
from mastertrade.core.money import AMOUNT, QUANTITY, decimal_kwargs
from mastertrade.core.validators import above_zero
from strategies.models import StrategyInstance


class Side(models.TextChoices):
    LONG = "LONG", "Long"
    SHORT = "SHORT", "Short"


class TradeStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


SYMBOL = RegexValidator(r"^[A-Za-z0-9._/:-]{1,32}$", message="Letters, digits and . _ / : - only (1–32).")
EXIT_FIELDS = ("exit_price", "exit_time", "profit_loss")


class Trade(models.Model):
    """One trade. Field limits are the validators (and CheckConstraints); which fields
    an open or a closed trade carries, and the order of its times, are in clean()."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trades")
    goal = models.ForeignKey(FinancialGoal, on_delete=models.SET_NULL, null=True, blank=True, related_name="trades")
    strategy = models.ForeignKey(
        StrategyInstance, on_delete=models.SET_NULL, null=True, blank=True, related_name="trades"
    )
    symbol = models.CharField(max_length=32, validators=[SYMBOL])
    side = models.CharField(max_length=5, choices=Side.choices)
    quantity = models.DecimalField(**decimal_kwargs(QUANTITY), validators=[above_zero(QUANTITY)])
    entry_price = models.DecimalField(**decimal_kwargs(QUANTITY), validators=[above_zero(QUANTITY)])
    exit_price = models.DecimalField(
        **decimal_kwargs(QUANTITY), null=True, blank=True, validators=[above_zero(QUANTITY)]
    )
    profit_loss = models.DecimalField(**decimal_kwargs(AMOUNT), null=True, blank=True)
    entry_time = models.DateTimeField()
    exit_time = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=6, choices=TradeStatus.choices, default=TradeStatus.OPEN)
    external_id = models.CharField(max_length=100, null=True, blank=True, validators=[MinLengthValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "trades"
        ordering = ["-entry_time", "-id"]
        indexes = [
            models.Index(fields=["owner", "-entry_time"]),
            models.Index(fields=["strategy", "status"]),
            models.Index(fields=["goal"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "external_id"],
                condition=Q(external_id__isnull=False),
                name="trade_external_id_unique_per_owner",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="trade_quantity_positive"),
            models.CheckConstraint(condition=Q(entry_price__gt=0), name="trade_entry_price_positive"),
            models.CheckConstraint(
                condition=Q(exit_price__isnull=True) | Q(exit_price__gt=0), name="trade_exit_price_positive"
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="trade_side_valid"),
            models.CheckConstraint(condition=Q(status__in=TradeStatus.values), name="trade_status_valid"),
            models.CheckConstraint(
                condition=Q(exit_time__isnull=True) | Q(exit_time__gte=F("entry_time")),
                name="trade_exit_not_before_entry",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(exit_price__isnull=False, profit_loss__isnull=False, exit_time__isnull=False),
                name="trade_closed_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(status="closed")
                | Q(exit_price__isnull=True, profit_loss__isnull=True, exit_time__isnull=True),
                name="trade_open_has_no_exit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.symbol}"

    def clean(self):
        """Rules across fields (code INVALID_COMBINATION): an open trade has no exit
        fields, a closed one has an exit price; it never exits before it entered."""
        errors = {}
        if self.status == TradeStatus.CLOSED:
            if self.exit_price is None:
                errors["exit_price"] = "A closed trade needs an exit_price."
        else:
            for field in EXIT_FIELDS:
                if getattr(self, field) is not None:
                    errors[field] = "Only a closed trade has this field; close it with POST /trades/{id}/close/."
        if self.exit_time is not None and self.entry_time is not None and self.exit_time < self.entry_time:
            errors["exit_time"] = "Must not be before entry_time."
        if errors:
            raise ValidationError({k: ValidationError(m, code=INVALID_COMBINATION) for k, m in errors.items()})
