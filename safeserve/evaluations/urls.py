from django.urls import path

from safeserve.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("export/", views.evaluation_export, name="export"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/files/<int:file_pk>/", views.evaluation_file, name="file"),
    path("<int:pk>/<str:verb>/", views.evaluation_act, name="act"),
    path("contracts/<int:contract_pk>/open/", views.evaluation_open, name="open"),
    path(
        "contracts/<int:contract_pk>/experts/<int:expert_pk>/rate/",
        views.expert_rate,
        name="rate",
    ),
]
