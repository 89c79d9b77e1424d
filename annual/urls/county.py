from django.urls import path

from ..views import county as views

urlpatterns = [
    path("county/", views.my_board, name="county-home"),
    path("county/<int:agency_id>/<int:year>/", views.board, name="county-board"),
    path("county/<int:agency_id>/<int:year>/deadlines/", views.deadlines, name="county-deadlines"),
    path("county/<int:agency_id>/<int:year>/remind/", views.remind, name="county-remind"),
    path("county/<int:agency_id>/<int:year>/board.xlsx", views.board_xlsx, name="county-board-xlsx"),
    path("county/<int:agency_id>/<int:year>/bulk/<slug:kind>/", views.bulk_start, name="county-bulk-start"),
    path("county/<int:agency_id>/<int:year>/bulk/job/<int:pk>/", views.bulk_status, name="county-bulk-status"),
    path(
        "county/<int:agency_id>/<int:year>/bulk/job/<int:pk>/download/",
        views.bulk_download,
        name="county-bulk-download",
    ),
]
