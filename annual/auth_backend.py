"""The authentication backend: Django's own, reading the signed-in user's membership and agency
with the user.

Every page asks who the user is, what role they have and in which agency (permissions.membership,
the navigation bar), so reading the three in one query instead of three is felt on every request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class MemberBackend(ModelBackend):
    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("membership__agency").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
