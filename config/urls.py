from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path, re_path, reverse
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from safeserve.contracts import views as contract_views
from safeserve.documents import views as document_views
from safeserve.evaluations import ranking_views, sanction_views
from safeserve.hazards import views as hazard_views
from safeserve.operations import metrics as operations_metrics
from safeserve.operations import views as operations
from safeserve.supervision import views as supervision

admin.site.site_header = "SafeServe 安服通"


def _admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    # One login page for everyone, so lockout, the login log and session limits apply.
    return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")


admin.site.login = _admin_login  # type: ignore[method-assign]

# Under /api/ these answer in the API's JSON error format; elsewhere with Django's pages.
handler400 = "safeserve.api.errors.bad_request"
handler403 = "safeserve.api.errors.permission_denied"
handler404 = "safeserve.api.errors.page_not_found"
handler500 = "safeserve.api.errors.server_error"

urlpatterns = [
    path("", supervision.home, name="home"),
    path("dashboard/", supervision.dashboard, name="dashboard"),
    # Browsers ask for /favicon.ico whatever the page says; the icon lives among the static files.
    path("favicon.ico", operations.favicon),
    path("healthz", operations.healthz, name="healthz"),
    path("readyz", operations.readyz, name="readyz"),
    path("metrics", operations_metrics.metrics, name="metrics"),
    path("policy/", supervision.county_policy, name="county_policy"),
    path("accounts/", include("safeserve.accounts.urls")),
    path("organizations/", include("safeserve.organizations.urls")),
    path("setup/", include("safeserve.operations.urls")),
    path("enterprises/", include("safeserve.enterprises.urls")),
    path("providers/", include("safeserve.providers.urls")),
    path("procurement/", include("safeserve.procurement.urls")),
    path("contracts/", include("safeserve.contracts.urls")),
    # The phone checklist lives with hazards: answering an item can raise its hazard.
    path(
        "tasks/<int:pk>/inspections/<int:inspection_pk>/",
        hazard_views.inspection,
        name="inspection",
    ),
    path("tasks/", include("safeserve.fieldwork.urls")),
    path("hazards/", include("safeserve.hazards.urls")),
    path("documents/", include("safeserve.documents.urls")),
    path("evaluations/", include("safeserve.evaluations.urls")),
    # The enterprise's notice link (printed as a QR code): no account, that notice only.
    path("n/<int:pk>/<str:token>/", hazard_views.notice_link, name="notice_link"),
    path("n/<int:pk>/<str:token>/pdf/", document_views.notice_link_pdf, name="notice_link_pdf"),
    path("public/", contract_views.public_contracts, name="public_contracts"),
    path("public/verify/", document_views.public_verify, name="public_verify"),
    path("public/bans/", sanction_views.public_bans, name="public_bans"),
    path("public/providers/", ranking_views.public_providers, name="public_providers"),
    path("public/ocds/", supervision.public_ocds, name="public_ocds"),
    path("public/ocds/<str:ocid>/", supervision.public_ocds_record, name="public_ocds_record"),
    re_path(
        r"^public/ca/(?P<code>[0-9A-Za-z]{1,20})\.(?P<kind>pem|crl)$",
        document_views.public_ca,
        name="public_ca",
    ),
    path("audit/", include("safeserve.audit.urls")),
    path("exports/", include("safeserve.audit.export_urls")),
    path("notifications/", include("safeserve.notifications.urls")),
    path("statistics/", include("safeserve.supervision.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("platform-admin/", admin.site.urls),
]
