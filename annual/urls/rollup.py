from django.urls import path

from ..views import rollup as views

urlpatterns = [
    path("county/<int:agency_id>/<int:year>/rollup/", views.rollup_page, name="county-rollup"),
    path("county/<int:agency_id>/<int:year>/rollup/cell/", views.rollup_cell, name="county-rollup-cell"),
    path("county/<int:agency_id>/<int:year>/rollup/pdf/", views.rollup_pdf, name="county-rollup-pdf"),
    path("county/<int:agency_id>/<int:year>/rollup/generate/", views.rollup_generate, name="county-rollup-generate"),
]
