from django.urls import path

from . import views

app_name = "insights-api"

urlpatterns = [
    path("kpis/", views.KpiTableApi.as_view(), name="kpis"),
    path("accounts/", views.KpiAccountsApi.as_view(), name="accounts"),
    path("backtest/", views.BacktestApi.as_view(), name="backtest"),
    path("overlap/", views.OverlapApi.as_view(), name="overlap"),
    path("verdicts/", views.VerdictsApi.as_view(), name="verdicts"),
    path("trends/", views.TrendApi.as_view(), name="trends"),
]
