from django.urls import path

from safeserve.hazards import views

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_list, name="list"),
    path("export/", views.hazard_export, name="export"),
    path("<int:pk>/", views.hazard_detail, name="detail"),
    path("<int:pk>/files/<int:file_pk>/", views.hazard_file, name="file"),
    path("<int:pk>/<str:verb>/", views.hazard_action, name="action"),
    path("raise/<int:task_pk>/", views.hazard_raise, name="raise"),
    path("notices/issue/<int:task_pk>/", views.notice_issue, name="notice_issue"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/export/", views.notice_export, name="notices_export"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="notice_acknowledge"),
    path("reports/", views.report_list, name="reports"),
    path("reports/export/", views.report_export, name="reports_export"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/<str:verb>/", views.report_action, name="report_action"),
]
