from django.urls import path

from . import views

urlpatterns = [
    path("", views.StrategyListCreate.as_view(), name="strategy-list"),
    path("select/", views.StrategySelect.as_view(), name="strategy-select"),
    path("selections/", views.SelectionList.as_view(), name="selection-list"),
    path("<slug:strategy_id>/", views.StrategyDetail.as_view(), name="strategy-detail"),
]
