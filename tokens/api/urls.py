from django.urls import path

from .views import ObtainToken, TokenDetail, TokenList

urlpatterns = [
    path("token/", ObtainToken.as_view(), name="auth-token"),
    path("tokens/", TokenList.as_view(), name="auth-tokens"),
    path("tokens/<int:token_id>/", TokenDetail.as_view(), name="auth-token-detail"),
]
