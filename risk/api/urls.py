from django.urls import path

from . import views

urlpatterns = [
    path("position-size/", views.PositionSize.as_view(), name="position-size"),
    path("simulate/", views.Simulate.as_view(), name="risk-simulate"),
    path("adjustments/", views.AdjustmentList.as_view(), name="adjustment-list"),
]
