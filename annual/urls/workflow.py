from django.urls import path

from ..views import workflow as views

urlpatterns = [
    path("reports/<int:pk>/approval/", views.approval, name="report-approval"),
    path("reports/<int:pk>/transition/<slug:action>/", views.transition, name="report-transition"),
    path("reports/<int:pk>/explanations/", views.explanations, name="report-explanations"),
    path("reports/<int:pk>/comments/", views.add_comment, name="report-comment"),
    path("reports/<int:pk>/history/", views.history, name="report-history"),
]
