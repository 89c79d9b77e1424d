from django.urls import path

from ..views import county as views

urlpatterns = [
    path("county/", views.my_board, name="county-home"),
    path("county/<int:agency_id>/<int:year>/", views.board, name="county-board"),
    path("county/<int:agency_id>/<int:year>/deadlines/", views.deadlines, name="county-deadlines"),
    path("county/<int:agency_id>/<int:year>/remind/", views.remind, name="county-remind"),
]
