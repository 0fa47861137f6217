from django.urls import path

from safeserve.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("export/", views.audit_export, name="export"),
    path("digests/", views.digest_list, name="digests"),
    path("digests/export/", views.digest_export, name="digests_export"),
    path("digests/latest/", views.digest_latest, name="digests_latest"),
    path("digests/<int:pk>/", views.digest_download, name="digest"),
]
