from django.urls import path

from safeserve.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("export/", views.contract_export, name="export"),
    path("coverage/", views.coverage, name="coverage"),
    path("budget/", views.budget, name="budget"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("<int:pk>/coverage/", views.coverage_change, name="coverage_change"),
    path("<int:pk>/money/<str:what>/", views.money, name="money"),
    path("<int:pk>/engagements/", views.engagement, name="engagement"),
    path("draft/<int:project_pk>/", views.contract_draft, name="draft"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/terms/", views.contract_terms, name="terms"),
    path("<int:pk>/<str:verb>/", views.contract_action, name="action"),
]
