from django.urls import path

from .auth_api import ObtainToken

urlpatterns = [path("token/", ObtainToken.as_view(), name="auth-token")]
