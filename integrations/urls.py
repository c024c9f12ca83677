from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("settings/api-tokens/", views.token_list, name="token_list"),
    path("settings/api-tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/webhooks/", views.webhook_list, name="webhook_list"),
    path("settings/webhooks/<int:pk>/toggle/", views.webhook_toggle, name="webhook_toggle"),
    path("settings/webhooks/deliveries/<int:pk>/replay/", views.delivery_replay, name="delivery_replay"),
]
