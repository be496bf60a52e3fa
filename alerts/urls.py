from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

urlpatterns = [
    path("", views.page, name="alerts-page"),
    path("login/", views.LoginView.as_view(), name="alerts-login"),
    path("logout/", LogoutView.as_view(next_page="alerts-login"), name="alerts-logout"),
    path("channels/add/", views.channel_add, name="alerts-channel-add"),
    path("channels/<int:pk>/test/", views.channel_test, name="alerts-channel-test"),
    path("channels/<int:pk>/toggle/", views.channel_toggle, name="alerts-channel-toggle"),
    path("channels/<int:pk>/delete/", views.channel_delete, name="alerts-channel-delete"),
    path("channels/<int:pk>/rotate-secret/", views.channel_rotate_secret, name="alerts-channel-rotate-secret"),
    path("rules/add/", views.rule_add, name="alerts-rule-add"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="alerts-rule-toggle"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="alerts-rule-delete"),
    path("notifications/<int:pk>/ack/", views.notification_ack, name="alerts-ack"),
    path("ack/<str:token>/", views.ack_link, name="alerts-ack-link"),
]
