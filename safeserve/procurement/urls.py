from django.urls import path

from safeserve.procurement import views

app_name = "procurement"

urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/export/", views.plan_export, name="plan_export"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/items/new/", views.item_form, name="item_add"),
    path("plans/<int:pk>/items/<int:item_pk>/", views.item_form, name="item_edit"),
    path("plans/<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item_delete"),
    path("plans/<int:pk>/<str:verb>/", views.plan_transition, name="plan_transition"),
    path("leading-group/<int:year>/", views.leading_group, name="leading_group"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/export/", views.project_export, name="project_export"),
    path("items/<int:item_pk>/projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/documents/", views.project_document, name="project_document"),
    path("projects/<int:pk>/award/", views.project_award, name="project_award"),
    path("projects/<int:pk>/cancel/", views.project_cancel, name="project_cancel"),
]
