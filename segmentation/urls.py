from django.urls import path

from .models import SegmentStatus
from .views import editor, icp, lifecycle, lists, runs

app_name = "segmentation"

urlpatterns = [
    path("lenses/", lists.lenses, name="lenses"),
    path("lenses/<slug:lens>/toggle/", lists.lens_toggle, name="lens_toggle"),
    path("segments/", lists.segment_list, name="segment_list"),
    path("segments/new/", editor.segment_new, name="segment_new"),
    path("segments/builder/", editor.segment_builder, name="segment_builder_new"),
    path("segments/preview/", editor.segment_preview_panel, name="segment_preview_new"),
    path("segments/<int:pk>/", editor.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/builder/", editor.segment_builder, name="segment_builder"),
    path("segments/<int:pk>/preview/", editor.segment_preview_panel, name="segment_preview"),
    path(
        "segments/<int:pk>/publish/",
        editor.segment_status_change,
        {"status": SegmentStatus.ACTIVE},
        name="segment_publish",
    ),
    path(
        "segments/<int:pk>/retire/",
        editor.segment_status_change,
        {"status": SegmentStatus.RETIRED},
        name="segment_retire",
    ),
    path("segments/<int:pk>/history/", editor.segment_history, name="segment_history"),
    path("segments/<int:pk>/rollback/<int:version>/", editor.segment_rollback, name="segment_rollback"),
    path("icp/", icp.icp_list, name="icp_list"),
    path("icp/new/", icp.icp_new, name="icp_new"),
    path("icp/<int:pk>/", icp.icp_edit, name="icp_edit"),
    path("icp/<int:pk>/publish/", icp.icp_publish, name="icp_publish"),
    path("lifecycle/", lifecycle.lifecycle_rules, name="lifecycle_rules"),
    path("runs/", runs.run_list, name="run_list"),
    path("runs/start/", runs.run_now, name="run_now"),
    path("runs/<int:pk>/", runs.run_detail, name="run_detail"),
]
