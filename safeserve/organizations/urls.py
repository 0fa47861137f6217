from django.urls import path

from safeserve.organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.organization_list, name="list"),
    path("export/", views.organization_export, name="export"),
    path("new/", views.organization_create, name="create"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("<int:pk>/edit/", views.organization_edit, name="edit"),
    path("<int:pk>/deactivate/", views.organization_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.organization_reactivate, name="reactivate"),
]
