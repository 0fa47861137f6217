from django.urls import path

from safeserve.providers import views

app_name = "providers"

urlpatterns = [
    path("", views.provider_list, name="list"),
    path("export/", views.provider_export, name="export"),
    path("mine/", views.provider_mine, name="mine"),
    path("<int:pk>/", views.provider_detail, name="detail"),
    path("<int:pk>/edit/", views.provider_edit, name="edit"),
    path("<int:pk>/equipment/", views.provider_equipment, name="equipment"),
    path("<int:pk>/qualifications/new/", views.qualification_form, name="qualification_add"),
    path(
        "<int:pk>/qualifications/<int:qualification_pk>/",
        views.qualification_form,
        name="qualification_edit",
    ),
    path(
        "<int:pk>/qualifications/<int:qualification_pk>/delete/",
        views.qualification_delete,
        name="qualification_delete",
    ),
    path(
        "<int:pk>/attestation/",
        views.provider_document,
        {"what": "attestation"},
        name="attestation",
    ),
    path(
        "<int:pk>/qualifications/<int:qualification_pk>/scan/",
        views.provider_document,
        {"what": "scan"},
        name="qualification_scan",
    ),
    path("<int:pk>/admission/<str:verb>/", views.provider_admission, name="admission"),
    path("<int:pk>/violations/", views.provider_violation, name="violation"),
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/export/", views.expert_export, name="expert_export"),
    path("experts/new/", views.expert_create, name="expert_create"),
    path("experts/<int:pk>/", views.expert_detail, name="expert_detail"),
    path("experts/<int:pk>/edit/", views.expert_edit, name="expert_edit"),
    path("experts/<int:pk>/pool/<str:verb>/", views.expert_pool, name="expert_pool"),
    path("employer-changes/", views.employer_changes, name="employer_changes"),
    path("employer-changes/export/", views.employer_change_export, name="employer_changes_export"),
    path("employer-changes/new/", views.employer_change_new, name="employer_change_new"),
    path("employer-changes/<int:pk>/", views.employer_change_detail, name="employer_change"),
    path(
        "employer-changes/<int:pk>/evidence/",
        views.employer_change_evidence,
        name="employer_change_evidence",
    ),
    path(
        "employer-changes/<int:pk>/<str:verb>/",
        views.employer_change_verb,
        name="employer_change_verb",
    ),
]
