from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from workspace.views.home import home

from . import views

admin.site.site_header = "Tierline administration"
admin.site.site_title = "Tierline"

urlpatterns = [
    path("", home, name="home"),
    path("", include("workspace.urls")),
    path("", include("segmentation.urls")),
    path("", include("integrations.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("plays/", include("plays.urls")),
    path("api/", include("integrations.api.urls")),
    path("insights/", include("insights.urls")),
]
