"""/api/v1/… (the API), /api/schema/ (OpenAPI 3), /api/docs/ and /api/redoc/ (served locally, to staff only).

Extension points: the reporting and notifications apps add their endpoints by registering
viewsets on `router` below (for example `router.register("reports", ReportViewSet,
basename="report")`) or by adding a path to `v1`; the isolation matrix in tests/api/ walks these
patterns, so a new route is covered by it (and must tell the matrix which object its id is).
"""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import calendar, docs, ledger, letters, notifications, public, reports, tokens, views
from .exceptions import not_found

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("units", views.UnitViewSet, basename="unit")
router.register("requests", views.RequestViewSet, basename="request")
router.register("consultations", views.ConsultationViewSet, basename="consultation")
router.register("fee-notices", views.FeeNoticeViewSet, basename="fee-notice")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("calendar/days", calendar.CalendarDayViewSet, basename="calendar-day")
router.register("calendar/years", calendar.CalendarYearViewSet, basename="calendar-year")
router.register("reports", reports.ReportViewSet, basename="report")
router.register("notifications", notifications.NotificationViewSet, basename="notification")

v1 = [
    path("auth/token/", tokens.TokenView.as_view(), name="auth-token"),
    path("auth/token/revoke/", tokens.TokenRevokeView.as_view(), name="auth-token-revoke"),
    path("ledger/export/", ledger.LedgerExportView.as_view(), name="ledger-export"),
    path("ledger/import/", ledger.LedgerImportView.as_view(), name="ledger-import"),
    path("ledger/imports/<int:pk>/", ledger.LedgerImportJobView.as_view(), name="ledger-import-job"),
    # 文书 (letters.md)
    path("requests/<int:pk>/letters/", letters.RequestLettersView.as_view(), name="request-letters"),
    path("requests/<int:pk>/letters/<str:kind>/", letters.LetterView.as_view(), name="request-letter"),
    path("requests/<int:pk>/letters/<str:kind>/issue/", letters.IssueLetterView.as_view(), name="request-letter-issue"),
    path("letters/<int:pk>/file/", letters.LetterFileView.as_view(), name="letter-file"),
    path("letters/<int:pk>/retry-pdf/", letters.RetryPdfView.as_view(), name="letter-retry-pdf"),
    *router.urls,
]

app_name = "api"
urlpatterns = [
    path("v1/", include((v1, "v1"))),
    # The applicants' side (portal.md): anonymous, throttled per address, its own schema at public/v1/schema/
    path("public/v1/", include((public.urlpatterns, "public-v1"))),
    # Staff only (api/docs.py); the public API's schema is public/v1/schema/ (api/public.py).
    path("schema/", docs.StaffSchemaView.as_view(), name="schema"),
    path("docs/", docs.StaffSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", docs.StaffRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
    re_path(r"", not_found),  # any other path under /api/, newlines included
]
