"""Rules: one list of what an owner may set, which the service, the API's input and its
output all follow; what is not the owner's is refused by name."""

import pytest

from alerts.api.serializers import RuleInput, RuleOutput
from alerts.factories import ChannelFactory
from alerts.forms import RuleForm
from alerts.services.rules import RULE_FIELDS, rule_save
from goals.factories import GoalFactory
from mastertrade.core.errors import UNKNOWN_REFERENCE, ApplicationError

pytestmark = pytest.mark.django_db

LINKS = {"channels", "escalation"}  # set with the rule, not fields of its row


def test_the_api_takes_and_shows_exactly_the_editable_fields(user):
    assert set(RuleInput().fields) == set(RULE_FIELDS) | LINKS
    assert set(RuleOutput.Meta.fields) == {"id", *RULE_FIELDS, *LINKS, "created_at"}
    # The page's form offers a subset (enabled is a toggle there; the drawdown is API-only).
    form = {name for name in RuleForm(user=user).fields if not name.startswith("escalation_")}
    assert form <= set(RULE_FIELDS) | LINKS


def test_a_field_that_is_not_editable_is_refused_by_name(user):
    with pytest.raises(ApplicationError) as refused:
        rule_save(owner=user, name="r", kind="external_event", owner_id=1)
    assert refused.value.errors == {"owner_id": ["Unknown field."]}


def test_someone_elses_goal_or_channel_is_an_unknown_reference(user, other_user):
    theirs = GoalFactory(owner=other_user)
    with pytest.raises(ApplicationError) as refused:
        rule_save(owner=user, name="r", kind="goal_at_risk", goal=theirs)
    assert refused.value.code == UNKNOWN_REFERENCE and refused.value.errors == {"goal": ["No such goal."]}
    with pytest.raises(ApplicationError) as refused:
        rule_save(owner=user, name="r", kind="goal_at_risk", channels=[ChannelFactory(owner=other_user)])
    assert refused.value.code == UNKNOWN_REFERENCE and refused.value.errors == {"channels": ["No such channel."]}


def test_a_rule_saves_its_channels_and_escalation_chain(user):
    first, second = ChannelFactory(owner=user), ChannelFactory(owner=user)
    rule = rule_save(owner=user, name="r", kind="external_event", channels=[first], escalation=[(second, 60)])
    assert list(rule.channels.all()) == [first]
    assert [(s.channel, s.delay_seconds) for s in rule.escalation.order_by("position")] == [(second, 60)]
    rule_save(owner=user, rule=rule, escalation=[])
    assert not rule.escalation.exists() and list(rule.channels.all()) == [first]
