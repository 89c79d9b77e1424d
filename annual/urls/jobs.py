from django.urls import path

from ..views import jobs as views

urlpatterns = [
    path("jobs/<int:pk>/status/", views.job_status, name="job-status"),
    path("healthz", views.healthz, name="healthz"),
]
