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
    from tokens.services import api_token_create

    return api_token_create(user=user, name=name)[1]


def token_client(user=None, *, key: str | None = None, name: str = "tests"):
    """An API client that sends `Authorization: Token <key>`: `key`, or a fresh token for `user`
    (the root conftest's `token_api` fixture is one for `user`)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key if key is not None else api_token_for(user, name=name)}")
    return client
