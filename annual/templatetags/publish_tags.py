"""Template helpers of the publication links (no query: the report's state decides)."""

from django import template

from ..publication import frozen

register = template.Library()


@register.filter
def is_frozen(report) -> bool:
    """The report is approved or published, so it has a package and a 盖章页."""
    return frozen(report)
