"""The API's URLs: /api/v1/ for every app's endpoints, the OpenAPI schema and its docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from integrations.errors import json_not_found

from . import views

v1 = [
    path("", include("accounts.api.urls")),
    path("", include("segmentation.api.urls")),
    path("", include("plays.api.urls")),
    path("", include(views.router.urls)),
    *views.change_feed_urls,
    path("insights/", include("insights.api.urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^", json_not_found),
]
