from django.urls import path

from . import views

urlpatterns = [
    path("", views.TradeListCreate.as_view(), name="trade-list"),
    path("<int:pk>/", views.TradeDetail.as_view(), name="trade-detail"),
    path("<int:pk>/close/", views.TradeClose.as_view(), name="trade-close"),
]
