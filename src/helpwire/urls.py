from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from helpwire.api.urls import api


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("helpwire.workspace.urls")),
]
