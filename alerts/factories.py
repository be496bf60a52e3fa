import factory

from mastertrade.factories import UserFactory

from . import crypto
from .kinds import ChannelKind, RuleKind
from .models import Channel, Rule


class ChannelFactory(factory.django.DjangoModelFactory):
    """A webhook channel; pass `url=` (and `signing_secret=`) to aim it. The URL is not
    validated here (services.channels.channel_create does that): tests use it to stand for an
    address whose DNS changed after the channel was saved."""

    class Meta:
        model = Channel
        exclude = ("url", "signing_secret")

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"channel {n}")
    kind = ChannelKind.WEBHOOK
    url = "https://hooks.example.com/x"
    signing_secret = factory.LazyFunction(crypto.new_webhook_secret)
    secret = factory.LazyAttribute(lambda o: crypto.encrypt({"url": o.url, "secret": o.signing_secret}))


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rule
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"rule {n}")
    kind = RuleKind.GOAL_AT_RISK

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        if create and extracted:
            self.channels.set(extracted)
