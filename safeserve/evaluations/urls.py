from django.urls import path

from safeserve.evaluations import annual_views, ranking_views, sanction_views, views

app_name = "evaluations"

urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("annual/", annual_views.submission_list, name="submissions"),
    path("annual/export/", annual_views.submission_export, name="submission_export"),
    path("annual/open/", annual_views.submission_open, name="submission_open"),
    path("annual/<int:pk>/", annual_views.submission_detail, name="submission"),
    path(
        "annual/<int:pk>/summary.<str:kind>",
        annual_views.submission_summary,
        name="submission_summary",
    ),
    path("annual/<int:pk>/<str:verb>/", annual_views.submission_act, name="submission_act"),
    path("rankings/providers/", ranking_views.provider_rankings, name="provider_rankings"),
    path(
        "rankings/providers/export/",
        ranking_views.provider_rankings_export,
        name="provider_rankings_export",
    ),
    path("rankings/experts/", ranking_views.expert_rankings, name="expert_rankings"),
    path(
        "rankings/experts/export/",
        ranking_views.expert_rankings_export,
        name="expert_rankings_export",
    ),
    path("sanctions/", sanction_views.sanction_list, name="sanctions"),
    path("sanctions/export/", sanction_views.sanction_export, name="sanction_export"),
    path("sanctions/<int:pk>/", sanction_views.sanction_detail, name="sanction"),
    path("sanctions/<int:pk>/<str:verb>/", sanction_views.sanction_act, name="sanction_act"),
    path("export/", views.evaluation_export, name="export"),
    path("commission/", views.commission, name="commission"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/files/<int:file_pk>/", views.evaluation_file, name="file"),
    path("<int:pk>/record.pdf", views.evaluation_pdf, name="pdf"),
    path("<int:pk>/<str:verb>/", views.evaluation_act, name="act"),
    path("contracts/<int:contract_pk>/open/", views.evaluation_open, name="open"),
    path(
        "contracts/<int:contract_pk>/experts/<int:expert_pk>/rate/",
        views.expert_rate,
        name="rate",
    ),
]
