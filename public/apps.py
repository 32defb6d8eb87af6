from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The applicants' side (STYLE.md): for now the verification of an issued document."""

    name = "public"
    label = "public"
    verbose_name = _("公众服务")
