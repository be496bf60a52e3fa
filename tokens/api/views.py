"""The token endpoints: `POST /api/v1/auth/token/` issues a token for a username and
password; `GET /api/v1/auth/tokens/` lists the caller's tokens and
`DELETE /api/v1/auth/tokens/{id}/` revokes one."""

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mastertrade.core.api import READ_ERRORS, error
from mastertrade.core.errors import ApplicationError
from mastertrade.core.schema import link, links_add
from mastertrade.core.throttling import TokenRateThrottle
from tokens.services import api_token_create, api_token_revoke, api_tokens_for_user

from .serializers import CredentialsSerializer, IssuedTokenSerializer, TokenSerializer


class ObtainToken(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]
    serializer_class = CredentialsSerializer

    @extend_schema(
        tags=["auth"],
        summary="Get an API token",
        description="Exchange a username and password for a new token; send it as `Authorization: Token <key>`. "
        "Tokens are stored hashed, so this answer is the only time the token is shown. They expire after "
        "`API_TOKEN_TTL_SECONDS` (the `expiry` field; null: never). Name each token after the device or "
        "program that uses it, so it can be revoked alone. Any wrong credential answers the same 400 "
        "(`invalid_credentials`). Throttled per client address.",
        request=CredentialsSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: error("Missing fields or wrong credentials."),
            429: error("Too many attempts; see Retry-After."),
        },
        examples=[
            OpenApiExample(
                "Credentials", value={"username": "trader", "password": "…", "name": "engine-1"}, request_only=True
            ),
            OpenApiExample(
                "Token",
                value={
                    "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b9944b09199c62bcf9418ad84",
                    "id": 7,
                    "name": "engine-1",
                    "expiry": "2026-12-25T09:30:00Z",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            raise ApplicationError("Unable to log in with the provided credentials.", code="invalid_credentials")
        token, key = api_token_create(user=user, name=data["name"])
        issued = {"token": key, "id": token.id, "name": token.name, "expiry": token.expiry}
        return Response(IssuedTokenSerializer(issued).data)


TOKEN_EXAMPLE = {
    "id": 7,
    "name": "engine-1",
    "prefix": "9944b09199c62bc",
    "created": "2026-11-25T09:30:00Z",
    "expiry": "2026-12-25T09:30:00Z",
}


@extend_schema(tags=["auth"])
class TokenList(generics.ListAPIView):
    serializer_class = TokenSerializer

    def get_queryset(self):
        return api_tokens_for_user(user=self.request.user)

    @extend_schema(
        summary="List my API tokens",
        description="The caller's tokens that still work, newest first: name, first characters, "
        "creation and expiry. The tokens themselves are never shown again.",
        responses={200: TokenSerializer(many=True), **READ_ERRORS},
        examples=[OpenApiExample("Tokens", value=TOKEN_EXAMPLE, response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["auth"])
class TokenDetail(APIView):
    @extend_schema(
        summary="Revoke an API token",
        description="The token stops working at once (within `API_TOKEN_CACHE_SECONDS` on other "
        "servers' caches at most). Someone else's token id answers 404.",
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request, token_id: int):
        token = get_object_or_404(api_tokens_for_user(user=request.user), pk=token_id)
        api_token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Links: a listed or issued token to its revocation.
links_add(
    "v1_auth_tokens_list",
    200,
    {"RevokeToken": link("v1_auth_tokens_destroy", parameters={"token_id": "$response.body#/results/0/id"})},
)
links_add(
    "v1_auth_token_create",
    200,
    {"RevokeToken": link("v1_auth_tokens_destroy", parameters={"token_id": "$response.body#/id"})},
)
