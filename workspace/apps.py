from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "workspace"
    verbose_name = _("工作台")

    def ready(self):
        # The board's figures link to the request list filtered to exactly their requests: the list
        # must know the filter. Added here, after the admin's autodiscover, so the request admin's
        # own list_filter (reworked elsewhere) stays as it is written.
        from django.contrib import admin

        from disclosure.models import DisclosureRequest

        from .filters import BoardFigureFilter

        model_admin = admin.site._registry.get(DisclosureRequest)
        if model_admin is not None and BoardFigureFilter not in model_admin.list_filter:
            model_admin.list_filter = (*model_admin.list_filter, BoardFigureFilter)
