"""Requests in a known state, built through the services (never by setting status)."""

from datetime import date

from django.core.files.base import ContentFile

from disclosure import services
from disclosure.models import Attachment

from ..factories import register_with

RECEIVED = date(2026, 11, 2)


registered = register_with(applicant_id_number="33010119800315123X", applicant_contact="13812345678",
                           submitted_on=RECEIVED, today=date(2026, 11, 20))


def with_records(clerk, unit, reviewer):
    """A handled request with a consultation, a fee notice and an attachment (the clerk registers it,
    the reviewer accepts it: 岗位分离)."""
    req = registered(clerk, unit)
    services.accept(req, actor=reviewer)
    consultation = services.start_consultation(
        req, actor=clerk, kind="agency", party="市自然资源局", sent_on=date(2026, 11, 3), today=date(2026, 11, 20)
    )
    req.refresh_from_db()
    fee = services.issue_fee_notice(
        req, actor=clerk, amount="10.00", amount_reason="按实际情况确定", basis="按件计收", notice_on=date(2026, 11, 4), today=date(2026, 11, 20)
    )
    attachment = Attachment(request=req, name="申请表.pdf", content_type="application/pdf", size=9)
    attachment.file.save("申请表.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    req.refresh_from_db()
    return {"request": req, "consultation": consultation, "fee-notice": fee, "attachment": attachment}


def published_schema() -> dict:
    """The OpenAPI document /api/schema/ serves to staff, built without a request (the view is
    staff only, and test modules load the schema at import, before any user exists)."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def schemathesis_schema(app):
    """The published schema loaded into schemathesis, its calls going to `app` in-process."""
    import schemathesis

    loaded = schemathesis.openapi.from_dict(published_schema())
    loaded.app = app
    return loaded


def public_schemathesis_schema(app):
    """The public API's own schema (/api/public/v1/schema/, anonymous), its calls going to `app`."""
    import json

    import schemathesis
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer
    from drf_spectacular.settings import patched_settings

    from api.public import PublicSchemaView

    with patched_settings(PublicSchemaView.custom_settings):
        generator = SchemaGenerator(patterns=PublicSchemaView.patterns)
        document = json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = app
    return loaded
