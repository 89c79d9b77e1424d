from django.contrib.auth import views as auth_views
from django.urls import path

from ..views import entry

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", entry.home, name="home"),
    path("reports/new/", entry.new_report, name="report-new"),
    path("reports/<int:pk>/", entry.report_root, name="report"),
    path("reports/<int:pk>/<slug:step>/", entry.report_step, name="report-step"),
]
