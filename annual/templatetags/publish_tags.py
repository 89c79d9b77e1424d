"""Template helpers of the publication links (no query: the report's state decides)."""

from django import template
from django.utils.html import json_script

from ..publication import frozen

register = template.Library()


@register.filter
def is_frozen(report) -> bool:
    """The report is approved or published, so it has a package and a 盖章页."""
    return frozen(report)


@register.filter
def echarts_data(charts) -> str:
    """The charts' data as the <script type="application/json" id="chart-data"> that
    static/annual/charts.js draws (escaped for HTML by json_script)."""
    return json_script([c.as_echarts() for c in charts], "chart-data")
