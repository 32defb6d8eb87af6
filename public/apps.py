from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The applicants' side (spec/portal.md): apply, follow, correct and receive online; verify a letter."""

    name = "public"
    label = "public"
    verbose_name = _("公众服务")
