"""The portal's URLs plus ``/bench/bare/``: the floor a request pays in this deployment (every
middleware, the session, the user) without any view work, measured beside the real pages."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import handler403, handler404, handler500
from portal.urls import urlpatterns as portal_urlpatterns


def bare_view(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare_view, name="bench-bare"), *portal_urlpatterns]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
