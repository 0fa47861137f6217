from django.urls import path

from safeserve.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("draft/<int:project_pk>/", views.contract_draft, name="draft"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/terms/", views.contract_terms, name="terms"),
    path("<int:pk>/<str:verb>/", views.contract_action, name="action"),
]
