from django.urls import path

from ..views import workbook as views

urlpatterns = [
    path("reports/<int:pk>/xlsx/", views.report_xlsx, name="report-xlsx"),
    path("reports/<int:pk>/import/", views.report_import, name="report-import"),
    path("reports/<int:pk>/import/preview/", views.report_import_preview, name="report-import-preview"),
    path("templates/<str:version>/xlsx/", views.blank_xlsx, name="blank-xlsx"),
]
