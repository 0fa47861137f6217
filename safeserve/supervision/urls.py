from django.urls import path

from safeserve.supervision import statistics_views as views

app_name = "statistics"

urlpatterns = [
    path("", views.statistics_index, name="index"),
    path("table.<str:kind>", views.statistics_download, name="download"),
    path("submissions/", views.submission_list, name="submissions"),
    path("submissions/export/", views.submission_export, name="submission_export"),
    path("submissions/open/", views.submission_open, name="submission_open"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path(
        "submissions/<int:pk>/table.<str:kind>",
        views.submission_download,
        name="submission_download",
    ),
    path("submissions/<int:pk>/<str:verb>/", views.submission_act, name="submission_act"),
]
