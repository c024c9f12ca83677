from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/", views.accounts, name="accounts"),
    path("backtest/", views.backtest, name="backtest"),
    path("overlap/", views.overlap, name="overlap"),
    path("verdicts/", views.verdicts, name="verdicts"),
    path("trends/", views.trends, name="trends"),
]
