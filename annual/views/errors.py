"""Error views where Django's defaults do not serve: the CSRF failure page (Django's is English
and unstyled) and the 400 page. 403, 404 and 500 use Django's handlers with templates/<code>.html.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string


def csrf_failure(request, reason: str = ""):
    return render(request, "403_csrf.html", status=403)


def bad_request(request, exception=None):
    """The 400 page. Django's own handler is wrapped in `requires_csrf_token`, which reads
    request.POST again; when the POST itself was the bad part (a body declaring
    charset=latin-1), that raised a second time and turned the 400 into a 500."""
    return HttpResponseBadRequest(render_to_string("400.html", request=request))


def reject_undecodable_forms(get_response):
    """Middleware: a form body declared in another charset than UTF-8 gets the 400 page here,
    before anything reads request.POST. Django refuses such a body (BadRequest) the moment
    request.POST is read; with DEBUG on, its debug page then read it again and answered 500."""

    def middleware(request):
        if request.content_type == "application/x-www-form-urlencoded":
            charset = request.content_params.get("charset")
            if charset is not None and charset.lower() != "utf-8":
                return bad_request(request)
        return get_response(request)

    return middleware
