from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/reporting/report/", include("reporting.urls")),  # before the admin: its pages, inside /admin/
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
    path("api/", include("api.urls")),
    path("security/", include("security.urls")),
    path("public/", include("public.urls")),  # the applicants' side: no login (文书核验)
]
