from django.urls import path

from ..views import comparison
from ..views import publish as views

urlpatterns = [
    path("reports/<int:pk>/export/<str:fmt>/", views.report_export, name="report-export"),
    path("reports/<int:pk>/stamp/", views.report_stamp, name="report-stamp"),
    path("reports/<int:pk>/charts/", views.report_charts_page, name="report-charts"),
    path("reports/<int:pk>/charts/pdf/", views.report_charts_pdf, name="report-charts-pdf"),
    path("verify/<str:digest>/", views.verify, name="verify"),
    path("reports/<int:pk>/compare/", comparison.report_compare, name="report-compare"),
]
