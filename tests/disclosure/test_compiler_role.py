"""报告编制人 (StaffRole.Role.COMPILER): compiles the annual report of a unit and the units below it
(edits sections 五 and 六), sees their requests read-only, never acts on one, never publishes."""

from datetime import date

import pytest
from django.urls import reverse

from disclosure.access import access_for
from disclosure.models import StaffRole
from reporting.models import ReportText
from tests.factories import RequestFactory, staff


@pytest.fixture
def compiler(tree):
    return staff("compiler", tree["root"], StaffRole.Role.COMPILER)


def test_a_compiler_sees_the_subtree_read_only(tree, compiler):
    access = access_for(compiler)
    assert access.can_see_unit(tree["dept"]) and access.can_see_unit(tree["town"])
    assert not access.can_see_unit(tree["other"])
    assert not access.can_act_on_unit(tree["dept"].pk) and not access.can("register", tree["dept"].pk)
    assert access.can_compile_report(tree["dept"]) and not access.can_compile_report(tree["other"])


def test_a_compiler_edits_the_report_text_but_cannot_publish(client, tree, people, compiler):
    RequestFactory(unit=tree["dept"], received_on=date(2025, 3, 3), submitted_on=date(2025, 3, 3))
    client.force_login(compiler)
    page = client.get(reverse("reporting:report"), {"unit": "jd-fgj", "year": 2025})
    assert page.status_code == 200 and page.context["may_edit_text"] and not page.context["may_publish"]
    client.post(reverse("reporting:texts"), {"unit": tree["dept"].pk, "year": 2025, "text_5": "人员不足。"})
    assert ReportText.objects.get(unit=tree["dept"], year=2025, section="5").updated_by == compiler
    client.post(reverse("reporting:publish"), {"unit": tree["dept"].pk, "year": 2025})
    from reporting.models import PublishedReport

    assert not PublishedReport.objects.exists()


def test_a_compiler_of_one_district_cannot_edit_another(client, tree, compiler):
    client.force_login(compiler)
    client.post(reverse("reporting:texts"), {"unit": tree["other"].pk, "year": 2025, "text_5": "改掉"})
    assert not ReportText.objects.filter(unit=tree["other"]).exists()


def test_a_compiler_is_offered_no_action_on_a_request(client, tree, people, compiler):
    req = RequestFactory(unit=tree["dept"], received_on=date(2025, 3, 3), submitted_on=date(2025, 3, 3))
    client.force_login(compiler)
    body = client.get(reverse("admin:disclosure_disclosurerequest_change", args=[req.pk])).content.decode()
    assert "gk-action-" not in body.replace("gk-action-panel", "")
    assert client.get(reverse("admin:disclosure_disclosurerequest_action", args=[req.pk, "accept"])).status_code == 403


def test_the_staff_file_takes_the_compiler_role_by_code_or_chinese_label(tree, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "staff.csv"
    path.write_text("username,full_name,email,unit,role\nbz1,编制一,,jindong,compiler\nbz2,编制二,,jindong,报告编制人\n",
                    encoding="utf-8")
    call_command("import_staff", str(path), stdout=__import__("io").StringIO())
    assert set(StaffRole.objects.filter(role="compiler").values_list("user__username", flat=True)) == {"bz1", "bz2"}
