from django.urls import path

from safeserve.audit import views

app_name = "exports"

urlpatterns = [
    path("", views.export_job_list, name="list"),
    path("export/", views.export_job_list_export, name="export"),
    path("<int:pk>/", views.export_job_detail, name="detail"),
    path("<int:pk>/download/", views.export_job_download, name="download"),
]
