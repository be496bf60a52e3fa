from django.urls import path

from . import views

urlpatterns = [
    path("channels/", views.ChannelListCreate.as_view(), name="alert-channel-list"),
    path("channels/<int:pk>/", views.ChannelDetail.as_view(), name="alert-channel-detail"),
    path("channels/<int:pk>/test/", views.ChannelTest.as_view(), name="alert-channel-test"),
    path("channels/<int:pk>/rotate-secret/", views.ChannelRotateSecret.as_view(), name="alert-channel-rotate-secret"),
    path("rules/", views.RuleListCreate.as_view(), name="alert-rule-list"),
    path("rules/<int:pk>/", views.RuleDetail.as_view(), name="alert-rule-detail"),
    path("notifications/", views.NotificationList.as_view(), name="alert-notification-list"),
    path("notifications/<int:pk>/", views.NotificationDetail.as_view(), name="alert-notification-detail"),
    path("notifications/<int:pk>/ack/", views.NotificationAck.as_view(), name="alert-notification-ack"),
    path("deliveries/", views.DeliveryList.as_view(), name="alert-delivery-list"),
    path("events/", views.EventPost.as_view(), name="alert-events"),
]
