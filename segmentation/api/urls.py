from rest_framework.routers import SimpleRouter

from . import icp, views

router = SimpleRouter()
router.register("segments", views.SegmentViewSet, basename="segment")
router.register("icp-models", icp.IcpModelViewSet, basename="icp-model")
router.register("recompute-runs", icp.RecomputeRunViewSet, basename="recompute-run")

urlpatterns = [*icp.urlpatterns, *router.urls]
