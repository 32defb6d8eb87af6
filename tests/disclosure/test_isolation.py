"""No admin URL shows or changes one unit's request for another unit's staff (access.py)."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from disclosure import services
from disclosure.forms import ACTION_FORMS
from disclosure.models import Attachment, DisclosureRequest
from documents import services as letters
from documents.models import Document

from .. import factories

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded files go to the test's own directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


def register(unit, actor, name="张三", days_ago=5):
    """factories.register, unit first as this module calls it."""
    return factories.register(actor, unit, applicant_name=name, applicant_id_number="330101199003151234", days_ago=days_ago)


@pytest.fixture
def dept_request(tree, people):
    req = register(tree["dept"], people["clerk"])
    attachment = Attachment(request=req, name="批复.pdf", content_type="application/pdf", size=len(PDF))
    attachment.file.save("a.pdf", ContentFile(PDF), save=True)
    letters.issue_document(req, "receipt", actor=people["clerk"], queue_pdf=False)
    return req, attachment


def letter_urls(req):
    """The 文书 panel's URLs (documents/admin.py), on the request's receipt."""
    saved = not req._state.adding  # the module-level list of names is built from unsaved objects
    document_pk = (Document.objects.filter(request=req).values_list("pk", flat=True).first() if saved else None) or 1

    def url(name, *args):
        return reverse(f"admin:disclosure_disclosurerequest_{name}", args=[req.pk, *args])

    return [
        ("letter-draft", "get", url("letter_draft", "receipt", "txt"), False),
        ("letter-issue", "post", url("letter_issue", "receipt"), True),
        ("letter-file", "get", url("letter_file", document_pk, "docx"), False),
        ("letter-retry", "post", url("letter_retry", document_pk), True),
        ("letter-reissue", "post", url("letter_reissue", document_pk), True),
    ]


def request_urls(req, attachment):
    """(name, method, url, writes) for every admin URL of one request."""
    urls = [*letter_urls(req),
        ("change", "get", reverse("admin:disclosure_disclosurerequest_change", args=[req.pk]), False),
        ("change-post", "post", reverse("admin:disclosure_disclosurerequest_change", args=[req.pk]), True),
        ("history", "get", reverse("admin:disclosure_disclosurerequest_history", args=[req.pk]), False),
        ("delete", "get", reverse("admin:disclosure_disclosurerequest_delete", args=[req.pk]), True),
        ("delete-post", "post", reverse("admin:disclosure_disclosurerequest_delete", args=[req.pk]), True),
        (
            "attachment",
            "get",
            reverse("admin:disclosure_disclosurerequest_attachment", args=[req.pk, attachment.pk]),
            False,
        ),
        (
            "attachment-upload",
            "post",
            reverse("admin:disclosure_disclosurerequest_attachment_upload", args=[req.pk]),
            True,
        ),
    ]
    for action in ACTION_FORMS:
        url = reverse("admin:disclosure_disclosurerequest_action", args=[req.pk, action])
        urls.append((f"action-{action}-get", "get", url, True))
        urls.append((f"action-{action}-post", "post", url, True))
    return urls


URL_NAMES = [name for name, *_ in request_urls(DisclosureRequest(pk=1), Attachment(pk=1))]


@pytest.mark.parametrize("username", ["other_clerk", "town_clerk"])
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_staff_of_another_unit_cannot_reach_any_admin_url_of_the_request(
    client, people, dept_request, username, url_name
):
    req, attachment = dept_request
    client.force_login(people[username])
    _, method, url, _ = next(u for u in request_urls(req, attachment) if u[0] == url_name)
    response = getattr(client, method)(url, {"seen_version": req.version})
    assert response.status_code == 404
    req.refresh_from_db()
    assert req.version == 0 and req.status == "registered"
    assert Attachment.objects.filter(request=req).count() == 1


@pytest.mark.parametrize("url_name", URL_NAMES)
def test_every_url_of_the_matrix_exists_for_an_admin(client, people, dept_request, url_name):
    """The control: the refusals above are isolation, not mistyped URLs."""
    req, attachment = dept_request
    client.force_login(people["admin"])
    _, method, url, _ = next(u for u in request_urls(req, attachment) if u[0] == url_name)
    response = getattr(client, method)(url, {"seen_version": req.version})
    # delete: refused to everyone (a request is a statutory record), but the URL exists
    assert response.status_code in ((403,) if url_name.startswith("delete") else (200, 302))


WRITE_URLS = [name for name, _, _, writes in request_urls(DisclosureRequest(pk=1), Attachment(pk=1)) if writes]


@pytest.mark.parametrize("url_name", WRITE_URLS)
def test_supervisor_is_refused_every_url_that_changes_the_request(client, people, dept_request, url_name):
    req, attachment = dept_request
    client.force_login(people["supervisor"])
    _, method, url, _ = next(u for u in request_urls(req, attachment) if u[0] == url_name)
    response = getattr(client, method)(url, {"seen_version": req.version, "applicant_name": "李四"})
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.version == 0 and req.applicant_name == "张三"


@pytest.mark.parametrize("url_name", ["change", "history", "attachment"])
def test_supervisor_may_read_the_subtree(client, people, dept_request, url_name):
    req, attachment = dept_request
    client.force_login(people["supervisor"])
    _, method, url, _ = next(u for u in request_urls(req, attachment) if u[0] == url_name)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url_name", ["change", "history", "attachment"])
def test_clerk_of_the_unit_reaches_its_own_request(client, people, dept_request, url_name):
    req, attachment = dept_request
    client.force_login(people["clerk"])
    _, method, url, _ = next(u for u in request_urls(req, attachment) if u[0] == url_name)
    assert client.get(url).status_code == 200


def test_supervisor_change_page_is_read_only_and_offers_no_actions(client, people, dept_request):
    req, _ = dept_request
    client.force_login(people["supervisor"])
    response = client.get(reverse("admin:disclosure_disclosurerequest_change", args=[req.pk]))
    body = response.content.decode()
    assert 'name="_save"' not in body
    assert "gk-action-" not in body.replace("gk-action-panel", "")
    assert "330101199003151234" not in body
    assert "330***********1234" in body


def test_changelist_never_lists_another_units_rows(client, tree, people):
    dept = register(tree["dept"], people["clerk"], name="部门申请人")
    town = register(tree["town"], people["town_clerk"], name="街道申请人")
    other = register(tree["other"], people["other_clerk"], name="婺城申请人")
    url = reverse("admin:disclosure_disclosurerequest_changelist")

    def listed(username, query=""):
        client.force_login(people[username])
        body = client.get(url + query).content.decode()
        table = body.partition('id="result_list"')[2].partition("</table>")[0]
        return {r.ref for r in (dept, town, other) if r.ref in table}

    assert listed("clerk") == {dept.ref}
    assert listed("town_clerk") == {town.ref}
    assert listed("other_clerk") == {other.ref}
    assert listed("supervisor") == {dept.ref, town.ref}
    assert listed("admin") == {dept.ref, town.ref, other.ref}
    # Neither a search nor a unit filter opens another unit's rows.
    assert listed("other_clerk", f"?q={dept.ref}") == set()
    assert listed("other_clerk", f"?unit={tree['dept'].pk}") == set()


def test_unit_filter_offers_only_visible_units(client, tree, people):
    register(tree["dept"], people["clerk"])
    client.force_login(people["clerk"])
    body = client.get(reverse("admin:disclosure_disclosurerequest_changelist")).content.decode()
    assert tree["dept"].name in body
    assert tree["other"].name not in body and tree["town"].name not in body


def test_event_and_attachment_lists_are_isolated(client, people, dept_request):
    req, attachment = dept_request
    client.force_login(people["other_clerk"])
    events = client.get(reverse("admin:disclosure_requestevent_changelist")).content.decode()
    attachments = client.get(reverse("admin:disclosure_attachment_changelist")).content.decode()
    assert req.ref not in events
    assert attachment.name not in attachments
    event = req.events.get(action="register")
    assert client.get(reverse("admin:disclosure_requestevent_change", args=[event.pk])).status_code == 404
    assert client.get(reverse("admin:disclosure_attachment_change", args=[attachment.pk])).status_code == 404


def test_nobody_may_add_change_or_delete_events(client, people, dept_request):
    req, _ = dept_request
    event = req.events.get(action="register")
    client.force_login(people["admin"])
    assert client.get(reverse("admin:disclosure_requestevent_add")).status_code == 403
    assert client.get(reverse("admin:disclosure_requestevent_delete", args=[event.pk])).status_code == 403
    response = client.post(reverse("admin:disclosure_requestevent_change", args=[event.pk]), {"action": "x"})
    assert response.status_code == 403
    assert req.events.get(action="register").data == event.data


def test_clerk_cannot_register_for_another_unit(client, tree, people):
    client.force_login(people["clerk"])
    day = timezone.localdate() - timedelta(days=3)
    response = client.post(
        reverse("admin:disclosure_disclosurerequest_add"),
        {
            "unit": tree["other"].pk,
            "channel": "in_person",
            "submitted_on": day.isoformat(),
            "applicant_type": "natural_person",
            "applicant_name": "王五",
            "content": "申请公开",
        },
    )
    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not DisclosureRequest.objects.exists()


# --- issue 10: an online submission (已提交待确认) is its unit's alone -----------------------------

ONLINE_APPLICATION = {
    "applicant_type": "natural_person", "applicant_name": "网上申请人", "applicant_id_number": "110101199003070038",
    "phone": "13600136000", "content": "申请公开某项目的批复文件", "provision_form": "paper",
    "delivery_method": "online",
}


@pytest.fixture
def dept_submission(tree):
    req, _code = services.submit_application(unit=tree["dept"], data=ONLINE_APPLICATION, now=timezone.now())
    attachment = Attachment(request=req, name="身份证.pdf", content_type="application/pdf", size=len(PDF))
    attachment.file.save("id.pdf", ContentFile(PDF), save=True)
    return req, attachment


@pytest.mark.parametrize("username", ["other_clerk", "town_clerk"])
@pytest.mark.parametrize("url_name", [n for n in URL_NAMES if not n.startswith("letter-")])
def test_staff_of_another_unit_cannot_reach_a_submission(client, people, dept_submission, username, url_name):
    req, attachment = dept_submission
    client.force_login(people[username])
    _, method, url, _ = next(u for u in request_urls(req, attachment) if u[0] == url_name)
    response = getattr(client, method)(url, {"seen_version": req.version, "reason": "x",
                                             "received_on": timezone.localdate().isoformat()})
    assert response.status_code == 404
    req.refresh_from_db()
    assert req.version == 0 and req.status == "submitted"


def test_the_waiting_list_is_each_units_own(client, tree, people, dept_submission):
    other, _code = services.submit_application(unit=tree["other"], data=ONLINE_APPLICATION, now=timezone.now())
    url = reverse("admin:disclosure_disclosurerequest_changelist") + "?online=submitted"

    def listed(username):
        client.force_login(people[username])
        return set(client.get(url).context["cl"].result_list)

    assert listed("clerk") == {dept_submission[0]}
    assert listed("other_clerk") == {other}
    assert listed("town_clerk") == set()
    assert listed("supervisor") == {dept_submission[0]}
    assert listed("admin") == {dept_submission[0], other}
