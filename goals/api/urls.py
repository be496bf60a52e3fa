from django.urls import path

from . import views

urlpatterns = [
    path("", views.GoalListCreate.as_view(), name="goal-list"),
    path("<int:pk>/", views.GoalDetail.as_view(), name="goal-detail"),
    path("<int:pk>/progress/", views.GoalProgress.as_view(), name="goal-progress"),
    path("<int:pk>/reset-peak/", views.GoalResetPeak.as_view(), name="goal-reset-peak"),
    path("<int:pk>/history/", views.GoalHistory.as_view(), name="goal-history"),
]
