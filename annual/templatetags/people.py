"""`{{ user|person }}`: templates name the people who acted through the one formatter."""

from django import template

from ..formatting import person_name

register = template.Library()


@register.filter
def person(user) -> str:
    return person_name(user)
