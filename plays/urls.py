from django.urls import path

from . import views

app_name = "plays"

urlpatterns = [
    path("", views.play_index, name="list"),
    path("new/", views.play_edit, name="create"),
    path("preview/", views.play_preview, name="preview"),
    path("queue/", views.queue, name="queue"),
    path("journeys/", views.journeys, name="journeys"),
    path("journeys/accounts/", views.journey_cell, name="journey_accounts"),
    path("journeys/stages/new/", views.journey_stage_edit, name="journey_stage_create"),
    path("journeys/stages/<slug:key>/", views.journey_stage_edit, name="journey_stage_edit"),
    path("journeys/stages/<slug:key>/delete/", views.journey_stage_remove, name="journey_stage_delete"),
    path("enrollments/<int:enrollment_id>/steps/<int:step_id>/done/", views.step_done, name="step_done"),
    path("<slug:slug>/", views.play_detail, name="detail"),
    path("<slug:slug>/edit/", views.play_edit, name="edit"),
    path("<slug:slug>/preview/", views.play_preview, name="edit_preview"),
    path("<slug:slug>/status/", views.play_status, name="status"),
]
