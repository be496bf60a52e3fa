from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from mastertrade.core import errors
from observability.health import health
from observability.metrics import metrics_view

api_v1 = [
    path("auth/", include("tokens.api.urls")),
    path("goals/", include("goals.api.urls")),
    path("trades/", include("trades.api.urls")),
    path("risk/", include("risk.api.urls")),
    path("strategies/", include("strategies.api.urls")),
    path("alerts/", include("alerts.api.urls")),
]

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("alerts/", include("alerts.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("metrics", metrics_view, name="metrics"),
]

handler400 = errors.json_400
handler403 = errors.json_403
handler404 = errors.json_404
handler500 = errors.json_500
