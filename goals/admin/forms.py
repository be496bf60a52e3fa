"""The goal's admin form."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from goals.models import FinancialGoal
from mastertrade.core.money import AMOUNT


def _positive(value, message):
    if value is not None and value <= 0:
        raise ValidationError(message, code="not_positive")
    return value


class GoalAdminForm(forms.ModelForm):
    record_progress = forms.DecimalField(
        max_digits=AMOUNT[0],
        decimal_places=AMOUNT[1],
        required=False,
        label="Record progress",
        help_text="A new current value: sets it and writes a history row (source: update), as "
        "POST /api/v1/goals/{id}/progress/ does. Leave empty to keep the current value.",
    )

    class Meta:
        model = FinancialGoal
        fields = (
            "owner",
            "name",
            "goal_type",
            "target_value",
            "current_value",
            "capital_base",
            "start_date",
            "target_date",
            "state",
            "max_drawdown_pct",
            "min_factor",
            "max_factor",
            "on_achieved",
            "sizing_policy",
        )
        help_texts = {
            "target_value": "Percent for a monthly return goal, money otherwise. Must be greater than zero.",
            "capital_base": "Monthly return goals only: the capital a trade's P&L is measured against.",
            "target_date": "The deadline. Without one the goal has no pace and is never behind.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sizing_policy" in self.fields:
            self.fields["sizing_policy"].required = False

    def clean_sizing_policy(self):
        return self.cleaned_data.get("sizing_policy") or FinancialGoal._meta.get_field("sizing_policy").default

    def clean_target_value(self):
        return _positive(self.cleaned_data.get("target_value"), "The target must be greater than zero.")

    def clean_capital_base(self):
        return _positive(self.cleaned_data.get("capital_base"), "The capital base must be greater than zero.")

    def clean_max_drawdown_pct(self):
        value = self.cleaned_data.get("max_drawdown_pct")
        if value is not None and not Decimal(0) < value <= Decimal(100):
            raise ValidationError("The drawdown limit must be above 0 and at most 100 %.", code="range")
        return value

    def clean_min_factor(self):
        value = self.cleaned_data.get("min_factor")
        if value is not None and not Decimal(0) <= value <= Decimal(1):
            raise ValidationError("The minimum factor must be between 0 and 1.", code="range")
        return value

    def clean_max_factor(self):
        value = self.cleaned_data.get("max_factor")
        if value is not None and not Decimal(1) <= value <= Decimal(3):
            raise ValidationError("The maximum factor must be between 1 and 3.", code="range")
        return value

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("start_date", self.instance.start_date)
        deadline = cleaned.get("target_date", self.instance.target_date)
        if start and deadline and deadline <= start:
            self.add_error("target_date", "The deadline must be after the start date.")
        return cleaned
