"""Static files in the middleware chain, cheap for every other request in both handler modes."""

from __future__ import annotations

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from servestatic.middleware import ServeStaticMiddleware


class StaticFilesMiddleware:
    """ServeStatic, which is async-only. Under the ASGI server (the way the centre runs) it is
    the chain's own async middleware. In a synchronous chain (Django's test client, a WSGI
    server) Django would wrap it whole in async_to_sync, which starts an event loop thread for
    every request: there, only a request that may be a static file goes through ServeStatic
    (under a URL prefix it serves, or a file it lists), the others go straight on."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            self.static = ServeStaticMiddleware(get_response)
            markcoroutinefunction(self)
            self.serve = None
        else:
            self.static = ServeStaticMiddleware(sync_to_async(get_response))
            self.serve = async_to_sync(self.static)

    def __call__(self, request):
        if self.serve is None:
            return self.static(request)  # the coroutine: ASGI
        if self._may_be_static(request.path_info):
            return self.serve(request)
        return self.get_response(request)

    def _may_be_static(self, path: str) -> bool:
        static = self.static
        return (
            path.startswith(settings.STATIC_URL)
            or path in static.files
            or any(path.startswith(prefix) for _, prefix in static.directories)
        )
