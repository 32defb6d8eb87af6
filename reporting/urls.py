"""The report pages, inside the admin (/admin/reporting/report/…) and behind admin_view: logged-in
staff only; which units and requests they see is decided in the views by disclosure.access."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "reporting"

_wrap = admin.site.admin_view

urlpatterns = [
    path("", _wrap(views.report_page), name="report"),
    path("publish/", _wrap(views.publish), name="publish"),
    path("texts/", _wrap(views.save_texts), name="texts"),
    path("download/", _wrap(views.download), name="download"),
    path("cell/", _wrap(views.cell_requests), name="cell"),
    path("overview/", _wrap(views.overview), name="overview"),
    path("statistics/", _wrap(views.statistics), name="statistics"),
]
