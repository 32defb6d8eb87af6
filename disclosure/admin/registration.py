"""登记 and 修改登记 in the admin: the form parses, save_model calls the registration service.

A refusal from the service cannot be put on a form Django has already accepted, so save_model raises
it out of changeform_view's atomic block (nothing is saved) and the page is rendered a second time
with the refusal on the field it names, exactly as an invalid form is.
"""

from __future__ import annotations

from ..forms import RegisterRequestForm
from ..workflow import WorkflowError

REFUSAL = "_gk_registration_refusal"  # where changeform_view leaves the refusal for get_form


class RegistrationRefused(Exception):
    """save_model's service refused; carries its WorkflowError out of Django's atomic block."""

    def __init__(self, refusal: WorkflowError):
        super().__init__(str(refusal))
        self.refusal = refusal


class RegistrationSaves:
    """For the request's ModelAdmin: the add form registers, the change form updates the registration."""

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = RegisterRequestForm
        form = super().get_form(request, obj, **kwargs)
        # On the second pass after a refusal the form shows it (RegistrationForm._post_clean).
        return type(form.__name__, (form,), {"refusal": getattr(request, REFUSAL, None)})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RegistrationRefused as refused:
            setattr(request, REFUSAL, refused.refusal)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """登记 through services.register_request, 修改登记 through services.update_registration."""
        try:
            if change:
                form.update(actor=request.user)
            else:
                registered = form.register(actor=request.user)
                # Django goes on with `obj` (the log entry, the redirect): it becomes the saved request.
                obj.__dict__.update(registered.__dict__)
        except WorkflowError as exc:
            raise RegistrationRefused(exc) from exc
