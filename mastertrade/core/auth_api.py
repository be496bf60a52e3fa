"""POST /api/v1/auth/token/: a DRF token for a username and password."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from .api import error
from .errors import ApplicationError
from .serializers import StrictSerializer


class TokenRateThrottle(AnonRateThrottle):
    """Per client address, authenticated or not (API_THROTTLE_TOKEN)."""

    scope = "token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CredentialsSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class ObtainToken(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]
    serializer_class = CredentialsSerializer

    @extend_schema(
        tags=["auth"],
        summary="Get an API token",
        description="Exchange a username and password for a token; send it as `Authorization: Token <key>`. "
        "Any wrong credential answers the same 400 (`invalid_credentials`). Throttled per client address.",
        request=CredentialsSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: error("Missing fields or wrong credentials."),
            429: error("Too many attempts; see Retry-After."),
        },
        examples=[
            OpenApiExample("Credentials", value={"username": "trader", "password": "…"}, request_only=True),
            OpenApiExample("Token", value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}, response_only=True),
        ],
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, **serializer.validated_data)
        if user is None or not user.is_active:
            raise ApplicationError("Unable to log in with the provided credentials.", code="invalid_credentials")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
