from django.urls import include, path
from rest_framework.routers import DefaultRouter

from safeserve.accounts.api import TokenView, UserViewSet
from safeserve.organizations.api import OrganizationViewSet, RegionViewSet

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("regions", RegionViewSet, basename="region")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("users", UserViewSet, basename="user")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("", include(router.urls)),
]
