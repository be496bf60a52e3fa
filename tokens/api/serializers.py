"""The token endpoints' bodies: credentials in, an issued token out, a listed token."""

from rest_framework import serializers

from mastertrade.core.serializers import StrictSerializer
from tokens.models import TOKEN_NAME_MAX_LENGTH, ApiToken


class CredentialsSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=TOKEN_NAME_MAX_LENGTH,
        required=False,
        default="default",
        help_text="The device or program that will use the token (shown when listing tokens).",
    )


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only this once.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working; null: never.")


class TokenSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(source="token_key", help_text="The token's first characters, to recognise it.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "expiry"]
