from django.urls import path

from ..views import published as views

urlpatterns = [
    path("agencies/<int:agency_id>/published/import/", views.upload, name="published-upload"),
    path("published/<int:pk>/", views.preview, name="published-preview"),
    path("published/<int:pk>/pages/<int:page>.png", views.page_image, name="published-page"),
    path("reports/<int:pk>/published-source/", views.source_file, name="published-source"),
]
