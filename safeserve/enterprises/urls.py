from django.urls import path

from safeserve.enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("export/", views.enterprise_export, name="export"),
    path("template/", views.enterprise_template, name="template"),
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/report/", views.import_job_report, name="import_job_report"),
    path("sector-mapping/", views.sector_mapping, name="sector_mapping"),
    path("sector-mapping/<int:pk>/delete/", views.sector_rule_delete, name="sector_rule_delete"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/sector/", views.enterprise_sector, name="sector"),
    path("<int:pk>/open-account/", views.enterprise_open_account, name="open_account"),
]
