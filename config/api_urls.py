from django.urls import include, path
from rest_framework.routers import DefaultRouter

from safeserve.accounts.api import DeniedAccessViewSet, TokenView, UserViewSet
from safeserve.api.exports import ExportJobViewSet
from safeserve.contracts.api import ContractViewSet
from safeserve.contracts.coverage_api import BudgetExecutionView, CoverageView
from safeserve.documents.api import (
    NoticeDocumentView,
    NoticeLinkPdfView,
    NoticePdfView,
    NoticeSealView,
    NoticeSignView,
    SigningCredentialViewSet,
    TechnicalReportViewSet,
    VerifyView,
)
from safeserve.enterprises.api import (
    EnterpriseImportJobView,
    EnterpriseImportView,
    EnterpriseViewSet,
    SectorRuleViewSet,
)
from safeserve.evaluations.api import (
    AnnualSubmissionViewSet,
    EvaluationViewSet,
    ExpertRankingViewSet,
    ExpertRatingViewSet,
    ProviderRankingViewSet,
    ReEvaluationViewSet,
    SanctionViewSet,
)
from safeserve.fieldwork.api import DocumentRequestViewSet, FeeComplaintViewSet, TaskViewSet
from safeserve.hazards.api import (
    HazardViewSet,
    InspectionViewSet,
    MajorHazardReportViewSet,
    NoticeLinkView,
    NoticeViewSet,
)
from safeserve.notifications.api import NotificationViewSet
from safeserve.operations.api import (
    CountyExportView,
    CountyListView,
    CountySetupView,
    RosterCredentialsView,
    RosterImportJobView,
    RosterImportView,
)
from safeserve.organizations.api import OrganizationViewSet, RegionViewSet
from safeserve.procurement.api import PurchasePlanViewSet, PurchaseProjectViewSet
from safeserve.providers.api import (
    EmployerChangeViewSet,
    ExpertViewSet,
    ProviderViewSet,
    QualificationViewSet,
)
from safeserve.supervision.api import (
    CountyPolicyView,
    DashboardRoleView,
    DashboardView,
    StatisticsSubmissionViewSet,
)

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("regions", RegionViewSet, basename="region")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("users", UserViewSet, basename="user")
router.register("denied-accesses", DeniedAccessViewSet, basename="denied-access")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("sector-rules", SectorRuleViewSet, basename="sector-rule")
router.register("providers", ProviderViewSet, basename="provider")
router.register("qualifications", QualificationViewSet, basename="qualification")
router.register("experts", ExpertViewSet, basename="expert")
router.register("employer-changes", EmployerChangeViewSet, basename="employer-change")
router.register("purchase-plans", PurchasePlanViewSet, basename="purchase-plan")
router.register("purchase-projects", PurchaseProjectViewSet, basename="purchase-project")
router.register("contracts", ContractViewSet, basename="contract")
router.register("tasks", TaskViewSet, basename="task")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("hazards", HazardViewSet, basename="hazard")
router.register("notices", NoticeViewSet, basename="notice")
router.register("major-hazard-reports", MajorHazardReportViewSet, basename="major-hazard-report")
router.register("reports", TechnicalReportViewSet, basename="report")
router.register("signing-credentials", SigningCredentialViewSet, basename="signing-credential")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("expert-ratings", ExpertRatingViewSet, basename="expert-rating")
router.register("re-evaluations", ReEvaluationViewSet, basename="re-evaluation")
router.register("sanctions", SanctionViewSet, basename="sanction")
router.register("rankings/providers", ProviderRankingViewSet, basename="provider-ranking")
router.register("rankings/experts", ExpertRankingViewSet, basename="expert-ranking")
router.register("annual-submissions", AnnualSubmissionViewSet, basename="annual-submission")
router.register("fee-complaints", FeeComplaintViewSet, basename="fee-complaint")
router.register("document-requests", DocumentRequestViewSet, basename="document-request")
router.register("exports", ExportJobViewSet, basename="export")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("statistics", StatisticsSubmissionViewSet, basename="statistics")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("county-policy/", CountyPolicyView.as_view(), name="county-policy"),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard/<str:view>/", DashboardRoleView.as_view(), name="dashboard-view"),
    path("counties/", CountyListView.as_view(), name="counties"),
    path("counties/export/", CountyExportView.as_view(), name="counties-export"),
    path("county-setup/", CountySetupView.as_view(), name="county-setup"),
    path("roster-imports/", RosterImportView.as_view(), name="roster-imports"),
    path("roster-imports/<int:pk>/", RosterImportJobView.as_view(), name="roster-import"),
    path(
        "roster-imports/<int:pk>/credentials/",
        RosterCredentialsView.as_view(),
        name="roster-import-credentials",
    ),
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("budget-execution/", BudgetExecutionView.as_view(), name="budget-execution"),
    path("enterprises/import/", EnterpriseImportView.as_view(), name="enterprise-import"),
    path(
        "enterprises/import/<int:pk>/",
        EnterpriseImportJobView.as_view(),
        name="enterprise-import-job",
    ),
    path(
        "notice-links/<int:notice_id>/<str:token>/",
        NoticeLinkView.as_view(),
        name="notice-link",
    ),
    path(
        "notice-links/<int:notice_id>/<str:token>/pdf/",
        NoticeLinkPdfView.as_view(),
        name="notice-link-pdf",
    ),
    path("verify/", VerifyView.as_view(), name="verify"),
    path("notices/<int:pk>/document/", NoticeDocumentView.as_view(), name="notice-document"),
    path("notices/<int:pk>/pdf/", NoticePdfView.as_view(), name="notice-pdf"),
    path("notices/<int:pk>/sign/", NoticeSignView.as_view(), name="notice-sign"),
    path("notices/<int:pk>/seal/", NoticeSealView.as_view(), name="notice-seal"),
    path("", include(router.urls)),
]
