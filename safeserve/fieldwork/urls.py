from django.urls import path

from safeserve.fieldwork import views

app_name = "fieldwork"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("export/", views.task_export, name="export"),
    path("plan/<int:contract_pk>/", views.task_plan, name="plan"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/photos/<int:file_pk>/", views.task_file, {"what": "photo"}, name="photo"),
    path("<int:pk>/materials/", views.task_file, {"what": "materials"}, name="materials"),
    path("<int:pk>/<str:verb>/", views.task_action, name="action"),
    path("fee-reports/", views.fee_complaints, name="fee_complaints"),
    path("fee-reports/export/", views.fee_complaint_export, name="fee_complaints_export"),
    path("fee-reports/<int:pk>/evidence/", views.fee_complaint_evidence, name="fee_evidence"),
    path("fee-reports/<int:pk>/decide/", views.fee_complaint_decide, name="fee_complaint_decide"),
    path("requests/", views.document_requests, name="document_requests"),
    path("requests/export/", views.document_request_export, name="document_requests_export"),
    path("requests/<int:pk>/", views.document_request, name="document_request"),
    path(
        "requests/<int:pk>/documents/<int:document_pk>/",
        views.document_download,
        name="document_download",
    ),
]
