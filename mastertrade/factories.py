import factory
from django.contrib.auth import get_user_model


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"trader{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.django.Password("correct-horse-battery")


def api_token_for(user, name: str = "tests") -> str:
    """A fresh API token (the plaintext key) for `user`, issued like the API issues it."""
    from mastertrade.core.tokens import api_token_create

    return api_token_create(user=user, name=name)[1]
