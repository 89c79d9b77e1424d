from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

# Everyone changes their own password here; an administrator resets anyone else's in the admin
# (用户 → 修改密码), which needs no old password.
urlpatterns = [
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password-change-done")),
        name="password-change",
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password-change-done"),
]
