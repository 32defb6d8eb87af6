"""{% recovery_codes_link %}: 备用验证码 in the admin header, for a verified administrator or head only."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from security import twofactor

register = template.Library()


@register.simple_tag(takes_context=True)
def recovery_codes_link(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_verified", lambda: False)():
        return ""
    # is_verified comes from the session and requires_second_factor from the request's cached roles: no query
    if not twofactor.requires_second_factor(user):
        return ""
    return format_html(
        '<a href="{}" id="recovery-codes-link">{}</a> / ', reverse("security:recovery_codes"), _("备用验证码")
    )
