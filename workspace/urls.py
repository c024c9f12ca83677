from django.urls import path

from .views import accounts, home, quality

app_name = "workspace"

urlpatterns = [
    path("home/recent-entries/", home.home_recent_entries, name="home_recent_entries"),
    path("accounts/", accounts.my_accounts, name="my_accounts"),
    path("accounts/export.csv", accounts.my_accounts_export, name="my_accounts_export"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account"),
    path("accounts/<int:pk>/override/", accounts.account_override, name="account_override"),
    path(
        "accounts/<int:pk>/override/<int:override_pk>/revoke/",
        accounts.account_override_revoke,
        name="account_override_revoke",
    ),
    path("data-quality/", quality.data_quality, name="data_quality"),
    path("data-quality/accounts/", quality.data_quality_accounts, name="data_quality_accounts"),
]
