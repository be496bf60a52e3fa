"""The /alerts/ page's forms. They carry input to the same services the API calls; a
service's per-field errors are shown next to the field."""

import re

from django import forms

from mastertrade.core.errors import ApplicationError

from .kinds import ChannelKind, RuleKind, Severity, StatusThreshold
from .models import DEFAULT_BODY, DEFAULT_TITLE, TEMPLATE_MAX

ESCALATION_STEPS = 3


def _field_for(field: str, message: str) -> str:
    """The form field a service error belongs to (escalation errors name their step)."""
    if field == "escalation":
        match = re.match(r"Step (\d+)", message)
        return f"escalation_delay_{match.group(1) if match else 1}"
    return field


def add_service_errors(form: forms.Form, exc: ApplicationError) -> None:
    for field, messages in (exc.errors or {"__all__": [exc.message]}).items():
        for message in messages:
            name = _field_for(field, message)
            form.add_error(name if name in form.fields else None, message)


class ChannelForm(forms.Form):
    prefix = "channel"
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=ChannelKind.choices, label="Type")
    url = forms.CharField(max_length=2000, required=False, label="URL", help_text="Slack, Discord, webhook")
    bot_token = forms.CharField(max_length=100, required=False, help_text="Telegram")
    address = forms.CharField(max_length=254, required=False, help_text="E-mail address or Telegram chat id")
    signing_secret = forms.CharField(max_length=200, required=False, help_text="Webhook: whsec_…, generated when blank")


class RuleForm(forms.Form):
    prefix = "rule"
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=RuleKind.choices)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.WARNING)
    goal = forms.ModelChoiceField(queryset=None, required=False, empty_label="All my goals")
    status_threshold = forms.ChoiceField(choices=StatusThreshold.choices, label="Fire when")
    deadline_days = forms.IntegerField(initial=3, label="Deadline within (days)")
    losing_streak = forms.IntegerField(required=False, label="Losing streak ≥")
    event_kind = forms.CharField(max_length=64, required=False, label="Event kind", help_text="blank: any")
    repeat_interval_seconds = forms.IntegerField(initial=0, label="Repeat every (s)", help_text="0: never")
    channels = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    title_template = forms.CharField(max_length=200, initial=DEFAULT_TITLE)
    body_template = forms.CharField(
        max_length=TEMPLATE_MAX, initial=DEFAULT_BODY, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from goals.selectors import goal_list_for_user

        from .selectors import channel_list_for_user

        self.fields["goal"].queryset = goal_list_for_user(user=user)
        self.fields["channels"].queryset = channel_list_for_user(user=user)
        templates = {name: self.fields.pop(name) for name in ("title_template", "body_template")}
        for n in range(1, ESCALATION_STEPS + 1):  # the chain: channel after channel, each after its delay
            self.fields[f"escalation_channel_{n}"] = forms.ModelChoiceField(
                queryset=channel_list_for_user(user=user), required=False, label=f"Escalation {n} to"
            )
            self.fields[f"escalation_delay_{n}"] = forms.IntegerField(
                required=False, label="after (s)", help_text="unacknowledged this long after the previous step"
            )
        self.fields.update(templates)
        for name, field in self.fields.items():
            if name == "channels" or name.startswith("escalation_channel"):
                field.label_from_instance = lambda channel: f"{channel.name} ({channel.kind})"

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["escalation"] = []
        for n in range(1, ESCALATION_STEPS + 1):
            channel, delay = data.pop(f"escalation_channel_{n}"), data.pop(f"escalation_delay_{n}")
            if channel is None:
                continue
            if delay is None:
                self.add_error(f"escalation_delay_{n}", "Give the delay before escalating.")
                raise forms.ValidationError("incomplete")
            data["escalation"].append((channel, delay))
        return data
