"""Serializer fields for the apps whose requests name a goal (trades, risk, strategies)."""

from django.http import Http404
from rest_framework import serializers

from goals.selectors import goal_get_for_user
from mastertrade.core.errors import UNKNOWN_REFERENCE


class OwnedGoalField(serializers.IntegerField):
    """A goal id in a request body, resolved among the requesting user's goals only:
    anyone else's (or no) goal is a 400 "No such goal." on this field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        goal_id = super().run_validation(data)
        if goal_id is None:
            return None
        try:
            return goal_get_for_user(user=self.context["request"].user, goal_id=goal_id)
        except Http404:
            raise serializers.ValidationError("No such goal.", code=UNKNOWN_REFERENCE) from None

    def to_representation(self, value):
        return getattr(value, "pk", value)
