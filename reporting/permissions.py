"""Who may do what with a unit's annual report, for the report page and the API alike (disclosure.access
says who holds which role; these are the report's rules over it)."""

from __future__ import annotations

from disclosure.access import Access
from disclosure.models import Unit


def may_publish(access: Access, unit: Unit) -> bool:
    """Publishing and revising: the head of the unit (负责人), or an administrator."""
    return access.is_admin or "head" in access.roles_in(unit.pk)


def may_edit_text(access: Access, unit: Unit) -> bool:
    """The report's words (正文): whoever may compile the unit's report."""
    return access.can_compile_report(unit)
