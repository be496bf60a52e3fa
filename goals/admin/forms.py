"""The goal's admin form. Its limits are the model's (field validators, clean()): the form
adds none of its own, so the admin and the API refuse the same values."""

from django import forms

from goals import services
from goals.models import GOAL_CREATE_FIELDS, FinancialGoal
from mastertrade.core.money import AMOUNT


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
        fields = ("owner", *GOAL_CREATE_FIELDS)
        help_texts = {
            "target_value": "Percent for a monthly return goal, money otherwise. Must be greater than zero.",
            "capital_base": "Monthly return goals only: the capital a trade's P&L is measured against.",
            "target_date": "The deadline. Without one the goal has no pace and is never behind.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("sizing_policy", "calendar"):  # left empty: the model's default
            if name in self.fields:
                self.fields[name].required = False

    def clean_sizing_policy(self):
        return self.cleaned_data.get("sizing_policy") or FinancialGoal._meta.get_field("sizing_policy").default

    def clean_calendar(self):
        return self.cleaned_data.get("calendar") or FinancialGoal._meta.get_field("calendar").default

    def clean(self):
        cleaned = super().clean()
        state = cleaned.get("state")
        current = self.instance.state
        if self.instance.pk and state and not services.goal_state_change_allowed(current=current, new=state):
            self.add_error("state", f"A {self.instance.state} goal cannot become {state}.")
        return cleaned
