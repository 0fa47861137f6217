from django.urls import path

from safeserve.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("export/", views.notification_list_export, name="export"),
    path("bell/", views.notification_bell, name="bell"),
    path("read/", views.notification_mark_read, name="mark_read"),
    path("preferences/", views.notification_preferences, name="preferences"),
    path("<int:pk>/", views.notification_open, name="open"),
]
