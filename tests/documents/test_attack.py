"""Attacks on the 文书 routes (review of issue 15): another unit's clerk, odd kinds, formats,
targets and dates, huge and odd query strings, verify codes, template uploads — no 500, no leak."""

import io
import zipfile

import pytest
from django.core.cache import cache

from documents import services
from documents.models import Document, LetterCounter

from .records import handling, replied, with_prefix
from .test_numbering import needs_postgres  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def setup(tree, monkeypatch):
    with_prefix(tree["dept"])
    monkeypatch.setattr(services, "send_now", lambda task, *args: True)
    cache.clear()


@pytest.fixture
def reply_req(people, tree):
    return replied(people["clerk"], tree["dept"])


@pytest.fixture
def issued(reply_req, people):
    return services.issue_document(reply_req, "reply", actor=people["clerk"], queue_pdf=False)


def url(req, tail=""):
    return f"/api/v1/requests/{getattr(req, 'pk', req)}/letters/{tail}"


ODD = ["", " ", "0", "-1", "9" * 30, "1e9", "１", "null", "[]", "{}", "' OR 1=1 --", "\x00", "%00", "a" * 5000,
       "reply/../receipt", "é", "😀"]


@pytest.mark.parametrize("value", ODD)
def test_odd_query_strings_on_the_letter_route_are_never_a_500(reply_req, people, as_user, value):
    client = as_user(people["clerk"])
    for kind in ("reply", "consultation_letter", "fee_notice"):
        for params in ({"format": value}, {"target": value}, {"format": "docx", "target": value}):
            response = client.get(url(reply_req, f"{kind}/"), params)
            assert response.status_code < 500, (kind, params, response.content[:300])


@pytest.mark.parametrize("value", ODD)
def test_odd_query_strings_on_the_file_route_are_never_a_500(issued, people, as_user, value):
    response = as_user(people["clerk"]).get(f"/api/v1/letters/{issued.pk}/file/", {"format": value})
    assert response.status_code < 500, response.content[:300]


@pytest.mark.parametrize("kind", ["nonsense", "REPLY", "reply%00", "delivery_receipt", "receipt", "extension_notice",
                                  "correction_notice", "consultation_letter", "fee_notice", "delay_notice",
                                  "reasons_notice", "x" * 300, "回复"])
def test_every_kind_and_non_kind_on_every_route_is_never_a_500(reply_req, people, as_user, kind):
    client = as_user(people["clerk"])
    for fmt in ("txt", "docx"):
        assert client.get(url(reply_req, f"{kind}/"), {"format": fmt}).status_code < 500
    response = client.post(url(reply_req, f"{kind}/issue/"), {}, format="json")
    assert response.status_code < 500, response.content[:300]
    assert response.status_code in (201, 400, 404, 409), response.content[:300]


@pytest.mark.parametrize("body", [
    {"on": "0001-01-01"}, {"on": "9999-12-31"}, {"on": "2023-12-31"}, {"on": "garbage"}, {"on": 5},
    {"target": 10**30}, {"target": -1}, {"target": "x"}, {"replaces": 10**30}, {"replaces": -5},
    {"replaces": "abc"}, {"reason": "x" * 600}, {"reason": None}, {"on": None}, [], "text", {"on": ["2026-01-01"]},
])
def test_odd_issue_bodies_are_never_a_500(reply_req, people, as_user, body):
    response = as_user(people["clerk"]).post(url(reply_req, "reply/issue/"), body, format="json")
    assert response.status_code < 500, response.content[:300]


def test_a_second_issue_is_a_clear_refusal(reply_req, people, as_user):
    client = as_user(people["clerk"])
    assert client.post(url(reply_req, "reply/issue/"), {}, format="json").status_code == 201
    again = client.post(url(reply_req, "reply/issue/"), {}, format="json")
    assert again.status_code in (400, 409) and "已出具" in again.json()["error"]["message"]
    assert Document.objects.count() == 1


def test_another_unit_s_clerk_sees_nothing(reply_req, issued, people, as_user):
    for who in ("other_clerk", "town_clerk"):
        client = as_user(people[who])
        assert client.get(url(reply_req)).status_code == 404
        assert client.get(url(reply_req, "reply/"), {"format": "docx"}).status_code == 404
        assert client.post(url(reply_req, "reply/issue/"), {}, format="json").status_code == 404
        assert client.get(f"/api/v1/letters/{issued.pk}/file/").status_code == 404
        assert client.post(f"/api/v1/letters/{issued.pk}/retry-pdf/").status_code == 404


def test_replaces_of_another_request_is_refused(reply_req, issued, people, tree, as_user):
    other = replied(people["other_clerk"], tree["other"])
    theirs = services.issue_document(other, "reply", actor=people["other_clerk"], queue_pdf=False)
    response = as_user(people["clerk"]).post(url(reply_req, "reply/issue/"),
                                             {"replaces": theirs.pk, "reason": "试"}, format="json")
    assert response.status_code == 400
    # and the other way round: their clerk cannot reissue ours via their own request
    response = as_user(people["other_clerk"]).post(url(other, "reply/issue/"),
                                                   {"replaces": issued.pk, "reason": "试"}, format="json")
    assert response.status_code == 400
    assert Document.objects.count() == 2


def test_unauthenticated_calls_are_401(reply_req, issued, client):
    assert client.get(url(reply_req)).status_code in (401, 403)
    assert client.get(f"/api/v1/letters/{issued.pk}/file/").status_code in (401, 403)


@pytest.mark.parametrize("code", ["", " ", "A" * 10, "a" * 10 + "é", "ＡＡＡＡＡＡＡＡＡＡ", "' OR 1=1 --", "1; DROP TABLE x",
                                  "\u202e" * 20, "A" * 100000, "%"])
def test_verify_with_odd_codes(client, code):
    response = client.get("/public/verify/", {"code": code})
    assert response.status_code in (200, 404)


def test_verify_with_many_code_parameters(client):
    response = client.get("/public/verify/?" + "&".join(f"code={i}" for i in range(500)))
    assert response.status_code in (200, 404, 400)


@pytest.mark.parametrize("raw", ["code=%ED%A0%80", "code=%FF%FE", "code=%", "code", "code=%00%00", "=&=&code=="])
def test_verify_with_undecodable_query_strings(client, raw):
    assert client.get("/public/verify/?" + raw).status_code in (200, 400, 404)


@pytest.mark.parametrize("stage", ["legal_review", "sign_off"])
def test_a_reply_awaiting_sign_off_cannot_be_issued_before_the_head_signs(people, tree, as_user, stage):
    from disclosure import services as disclosure_services

    req = handling(people["clerk"], tree["dept"])
    disclosure_services.submit_for_legal_review(req, actor=people["clerk"], outcome="granted", reply_data={})
    if stage == "sign_off":
        disclosure_services.approve_legal_review(req, actor=people["legal"])
    req.refresh_from_db()
    assert req.status == stage
    client = as_user(people["clerk"])
    assert client.get(url(req, "reply/")).status_code == 200  # the head's preview
    response = client.post(url(req, "reply/issue/"), {}, format="json")
    assert response.status_code in (400, 409), response.content[:300]
    assert not Document.objects.exists() and not LetterCounter.objects.filter(last__gt=0).exists()


def test_a_reply_letter_cannot_be_dated_other_than_its_reply_date(people, tree, as_user):
    """Dated 2023-12-31, a 2026 refusal would print the old remedy clause (a direct lawsuit, no 复议前置)."""
    req = replied(people["clerk"], tree["dept"], outcome="refused.third_party", reply_data={"reason": "涉及商业秘密"})
    client = as_user(people["clerk"])
    response = client.post(url(req, "reply/issue/"), {"on": "2023-12-31"}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "on" in response.json()["error"]["fields"]
    assert not Document.objects.exists() and not LetterCounter.objects.filter(last__gt=0).exists()
    assert client.post(url(req, "reply/issue/"), {"on": "2026-03-16"}, format="json").status_code == 201


@pytest.mark.parametrize("on", ["0001-01-01", "2026-03-01", "9999-12-31"])
def test_a_letter_is_not_dated_before_the_request_was_received_or_after_today(people, tree, as_user, on):
    req = handling(people["clerk"], tree["dept"])  # received 2026-03-02
    response = as_user(people["clerk"]).post(url(req, "receipt/issue/"), {"on": on}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "on" in response.json()["error"]["fields"]
    assert not Document.objects.exists() and not LetterCounter.objects.filter(last__gt=0).exists()


def _docx_with(text: str) -> bytes:
    from docx import Document as Docx

    doc = Docx()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize("text", [
    "{{ unit_name.__class__.__mro__[1].__subclasses__() }}",
    "{{ body.__class__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ unit_name.format.__globals__ }}",
    "{{ ''.__class__.__mro__ }}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
    "{{ self._TemplateReference__context }}",
    "{{ config }}", "{{ request }}", "{{ settings.SECRET_KEY }}",
    "{{ unit_name.__len__() }}", "{{ '%s' % unit_name.__class__ }}",
    "{% raw %}", "{{ unit_name", "{% include 'x' %}", "{% import 'os' as os %}",
])
def test_a_template_reaching_for_python_internals_is_refused_on_upload(text):
    from documents import render

    data = _docx_with(text)
    if render.check_template("reply", data):
        return  # refused on upload, with the reason
    # accepted only when the sandbox made the reach empty: nothing of Python's inside the letter
    out = render.docx_text(render.render_docx(render.sample_context("reply"), data))
    for leaked in ("class", "function", "module", "<", "object at", "SECRET"):
        assert leaked not in out, (text, out)


def test_a_template_upload_that_is_not_a_docx_or_a_zip_bomb_is_refused(people, client, tree):
    from documents import render

    assert render.check_template("reply", b"%PDF-1.4 not a docx")
    assert render.check_template("reply", b"PK\x03\x04" + b"\x00" * 100)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<x/>")
        z.writestr("word/document.xml", b"\x00" * (40 * 1024 * 1024))
    problems = render.check_template("reply", bomb.getvalue())
    assert problems and "MB" in problems[0]
    # through the admin: a page with the message, never a 500
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people["admin"])
    for data in (b"not a docx", bomb.getvalue()):
        response = client.post("/admin/documents/lettertemplate/add/", {
            "unit": tree["dept"].pk, "kind": "reply", "upload": SimpleUploadedFile("t.docx", data)})
        assert response.status_code == 200
        assert "upload" in response.context["adminform"].form.errors


def test_a_reissue_reason_longer_than_the_column_is_a_message_not_a_500(client, people, tree, issued):
    """The admin's reissue form has no length limit; PostgreSQL's varchar(500) raised a DataError (500)."""
    from django.urls import reverse

    client.force_login(people["clerk"])
    target = reverse("admin:disclosure_disclosurerequest_letter_reissue", args=(issued.request_id, issued.pk))
    response = client.post(target, {"reason": "理" * 2000}, follow=True)
    assert response.status_code == 200
    assert "500" in response.content.decode()  # the message names the limit
    assert Document.objects.count() == 1
    with pytest.raises(services.WorkflowError) as exc:
        services.reissue_document(issued, actor=people["clerk"], reason="理" * 501)
    assert exc.value.field == "reason"


@pytest.mark.usefixtures("needs_postgres")  # SQLite's in-memory test database answers "table is locked"
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_issues_of_the_same_letter_at_once_give_one_document_and_one_refusal(people, tree):
    """Two clicks on 出具 at the same moment (two PostgreSQL connections): one 答复书, one clear refusal, no gap."""
    import threading

    from django.db import connections

    from disclosure.workflow import WorkflowError

    req = replied(people["clerk"], tree["dept"])
    barrier = threading.Barrier(2)
    outcomes = []

    def run(actor):
        try:
            barrier.wait(10)
            outcomes.append(services.issue_document(req, "reply", actor=actor, queue_pdf=False).number)
        except WorkflowError as exc:
            outcomes.append(("refused", str(exc.message)))
        except Exception as exc:  # noqa: BLE001 - reported below
            outcomes.append(("error", repr(exc)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(people[who],)) for who in ("clerk", "head")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    numbers = [o for o in outcomes if isinstance(o, str)]
    refusals = [o for o in outcomes if not isinstance(o, str)]
    assert numbers == ["金东发改复〔2026〕1号"], outcomes
    assert len(refusals) == 1 and refusals[0][0] == "refused" and "已出具" in refusals[0][1], outcomes
    assert Document.objects.count() == 1 and LetterCounter.objects.get().last == 1


@pytest.mark.parametrize("tail", ["letters/reply/draft/txt/?target=abc", "letters/fee_notice/draft/pdf/?target=" + "9" * 40,
                                  "letters/nonsense/draft/txt/", "letters/reply/draft/exe/",
                                  "letters/issued/999999/docx/", "letters/issued/1/exe/"])
def test_odd_admin_letter_urls_are_never_a_500(client, people, issued, tail):
    client.force_login(people["clerk"])
    response = client.get(f"/admin/disclosure/disclosurerequest/{issued.request_id}/{tail}")
    assert response.status_code in (200, 302, 404), response.status_code


def test_another_unit_s_clerk_gets_404_from_the_admin_letter_urls(client, people, issued):
    client.force_login(people["other_clerk"])
    base = f"/admin/disclosure/disclosurerequest/{issued.request_id}/letters/"
    assert client.get(base + "reply/draft/txt/").status_code == 404
    assert client.get(base + f"issued/{issued.pk}/docx/").status_code == 404
    assert client.post(base + "reply/issue/").status_code == 404
    assert client.post(base + f"issued/{issued.pk}/reissue/", {"reason": "x"}).status_code == 404
    assert Document.objects.count() == 1
