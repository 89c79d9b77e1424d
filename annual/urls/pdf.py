from django.urls import path

from ..views import pdf as views

urlpatterns = [
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report-pdf"),
]
