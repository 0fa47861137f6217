from django.urls import path

from safeserve.documents import credential_views, report_views, views

app_name = "documents"

urlpatterns = [
    path("<int:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<int:pk>/sign/", views.document_sign, name="sign"),
    path("credentials/", credential_views.credential_list, name="credentials"),
    path(
        "credentials/<int:pk>/withdraw/",
        credential_views.credential_withdraw,
        name="credential_withdraw",
    ),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/export/", report_views.report_export, name="reports_export"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/progress/", report_views.report_progress, name="report_progress"),
    path("reports/<int:pk>/sections/", report_views.report_edit, name="report_edit"),
    path("reports/<int:pk>/draft.pdf", report_views.report_unsigned_pdf, name="report_unsigned"),
    path("reports/<int:pk>/<str:verb>/", report_views.report_act, name="report_act"),
    path("tasks/<int:task_pk>/report/", report_views.report_create, name="report_create"),
]
