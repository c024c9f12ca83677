from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_upload, name="import_upload"),
    path("imports/<int:import_run_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_run_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:import_run_id>/report.csv", views.import_report, name="import_report"),
    path("synonyms/", views.synonym_list_view, name="synonym_list"),
    path("synonyms/<int:synonym_id>/delete/", views.synonym_delete_view, name="synonym_delete"),
]
