from django.urls import path

from safeserve.operations import views

app_name = "operations"

urlpatterns = [
    path("counties/", views.county_list, name="counties"),
    path("counties/export/", views.county_export, name="counties_export"),
    path("", views.county_setup, name="county"),
    path("roster/", views.roster_start, name="roster"),
    path("roster/template/", views.roster_template, name="roster_template"),
    path("roster/<int:pk>/", views.roster_job, name="roster_job"),
    path("roster/<int:pk>/report/", views.roster_report, name="roster_report"),
    path("roster/<int:pk>/credentials/", views.roster_credentials, name="roster_credentials"),
]
