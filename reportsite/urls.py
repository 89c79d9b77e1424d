from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("annual.urls")),
]

handler400 = "annual.views.errors.bad_request"
