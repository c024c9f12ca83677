from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("plays", views.PlayViewSet, basename="play")
router.register("enrollments", views.EnrollmentViewSet, basename="enrollment")
router.register("journey-stages", views.JourneyStageViewSet, basename="journey-stage")
router.register("account-journeys", views.AccountJourneyViewSet, basename="account-journey")

urlpatterns = router.urls
