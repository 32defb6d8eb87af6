from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from config import health
from security import password_reset

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/reporting/report/", include("reporting.urls")),  # before the admin: its pages, inside /admin/
    # The password reset the admin's login page links to (named as Django's admin expects), before the admin
    path("admin/password_reset/", password_reset.ResetView.as_view(), name="admin_password_reset"),
    path("admin/password_reset/done/", password_reset.ResetDoneView.as_view(), name="password_reset_done"),
    path("admin/reset/<uidb64>/<token>/", password_reset.ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("admin/reset/done/", password_reset.ResetCompleteView.as_view(), name="password_reset_complete"),
    path("admin/", include("workspace.urls")),  # 我的待办 (the admin index) and 督办, before the admin
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
    path("api/", include("api.urls")),
    path("security/", include("security.urls")),
    path("public/", include("public.urls")),  # the applicants' side: no login (portal.md; 文书核验)
    path("captcha/", include("captcha.urls")),  # the public form's CAPTCHA images
    path("health/live", health.LiveView.as_view(), name="health-live"),  # deploy/: the supervisor's probe
    path("health/ready", health.ReadyView.as_view(), name="health-ready"),  # the balancer's: db, broker, cache
]
