from django.urls import path

from safeserve.documents import views

app_name = "documents"

urlpatterns = [
    path("<int:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<int:pk>/sign/", views.document_sign, name="sign"),
]
