"""render_letter: the issued document if there is one, else the draft; exit 1 with a message when it does not apply."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document as Docx

from documents import services
from security.models import AuditEntry

from .records import handling, replied


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(services, "send_now", lambda task, *args: True)


def run(*args) -> str:
    out = io.StringIO()
    call_command("render_letter", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_draft_of_a_reply_as_txt_on_stdout_takes_no_number(people, tree):
    req = replied(people["clerk"], tree["dept"])
    text = run("--unit", "jd-fgj", "--ref", req.ref, "--kind", "reply")
    assert "答复书" in text and "张三" in text
    assert "金东发改复" not in text  # a draft has no 文号
    assert not req.documents.exists()


def test_the_issued_document_is_written_as_issued(people, tree, tmp_path):
    req = replied(people["clerk"], tree["dept"])
    document = services.issue_document(req, "reply", actor=people["clerk"])
    path = tmp_path / "reply.docx"
    run("--unit", "jd-fgj", "--ref", req.ref, "--kind", "reply", "--format", "docx", "-o", str(path))
    assert path.read_bytes() == bytes(document.docx)
    assert document.number in "\n".join(p.text for p in Docx(str(path)).paragraphs)
    assert document.number in run("--unit", "JD-FGJ", "--ref", req.ref, "--kind", "reply")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DOWNLOAD, target_id=str(document.pk)).count() == 2


@pytest.mark.parametrize(("args", "message"), [
    (("--unit", "nowhere", "--ref", "x", "--kind", "reply"), "没有单位编码"),
    (("--unit", "jd-fgj", "--ref", "nope", "--kind", "reply"), "没有申请编号"),
    (("--unit", "jd-fgj", "--ref", "{ref}", "--kind", "bogus"), "没有“bogus”这种文书"),
    (("--unit", "jd-fgj", "--ref", "{ref}", "--kind", "extension_notice"), "延"),
    (("--unit", "jd-fgj", "--ref", "{ref}", "--kind", "reply"), "答复"),
])
def test_a_request_or_kind_that_does_not_apply_is_exit_1_with_a_message(people, tree, args, message):
    req = handling(people["clerk"], tree["dept"])
    with pytest.raises(CommandError) as exc:
        run(*[a.format(ref=req.ref) for a in args])
    assert message in str(exc.value)
