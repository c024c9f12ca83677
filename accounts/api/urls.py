from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("accounts", views.AccountViewSet, basename="account")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("events", views.EngagementEventViewSet, basename="engagement-event")
router.register("intent-signals", views.IntentSignalViewSet, basename="intent-signal")
router.register("arr-snapshots", views.ArrSnapshotViewSet, basename="arr-snapshot")

urlpatterns = router.urls
