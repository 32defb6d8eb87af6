"""English is available: the catalog is complete, correct and compiled; the admin switches language;
workflow messages follow the reader's language; the statutory annual report stays Chinese."""

import ast
import gettext
import io
import re
import zipfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from disclosure import services
from disclosure.workflow import WorkflowError

from .. import factories

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
SOURCE_DIRS = ("api", "config", "disclosure", "documents", "notifications", "public", "reporting", "security", "templates")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Python's %-format (named or positional, with flags/width/precision, and %%) and str.format fields.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxX%]|\{[^{}]*\}")


def po_entries() -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(PO_PATH)) if not e.obsolete]


# --- the catalog ---------------------------------------------------------------------------------


def test_every_message_has_an_english_translation_and_none_is_fuzzy():
    catalog = polib.pofile(str(PO_PATH))
    assert len(po_entries()) > 800
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
    assert not catalog.metadata_is_fuzzy
    assert catalog.metadata["Language"] == "en"


def test_every_placeholder_of_a_message_appears_in_its_translation():
    wrong = []
    for e in po_entries():
        pairs = (
            [(e.msgid, e.msgstr_plural[0]), (e.msgid_plural, e.msgstr_plural[1])] if e.msgid_plural else [(e.msgid, e.msgstr)]
        )
        for source, target in pairs:
            if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(target)):
                wrong.append((source, target))
    assert wrong == []


def test_no_translation_is_a_copy_of_its_chinese_message():
    copies = [e.msgid for e in po_entries() if CJK.search(e.msgid) and e.msgstr == e.msgid]
    assert copies == ["简体中文"]  # the language's own name in the switch, in every UI language


def test_compiled_catalog_matches_the_po_file():
    """CI has no gettext tools, so the committed .mo is what runs: it must hold exactly the .po's messages."""
    mo = {
        (e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, dict(e.msgstr_plural))
        for e in polib.mofile(str(MO_PATH)) if e.msgid
    }
    po = {
        (e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
        for e in po_entries()
    }
    assert set(mo) == set(po)
    assert [key for key in po if mo[key] != po[key]] == []


def test_compiled_catalog_translates_every_message_when_loaded_by_gettext():
    with MO_PATH.open("rb") as fh:
        runtime = gettext.GNUTranslations(fh)
    wrong = []
    for e in po_entries():
        if e.msgid_plural:
            got = (runtime.ngettext(e.msgid, e.msgid_plural, 1), runtime.ngettext(e.msgid, e.msgid_plural, 2))
            expected = (e.msgstr_plural[0], e.msgstr_plural[1])
        elif e.msgctxt:  # pgettext: e.g. the plural names of the models ("plural" context)
            got, expected = runtime.pgettext(e.msgctxt, e.msgid), e.msgstr
        else:
            got, expected = runtime.gettext(e.msgid), e.msgstr
        if got != expected:
            wrong.append(e.msgid)
    assert wrong == []


GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
CONTEXT_GETTEXT_NAMES = {"pgettext", "pgettext_lazy"}
TEMPLATE_TRANSLATE = re.compile(r"""{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')""")


def source_messages() -> set[str]:
    """Literal first arguments of the gettext calls in the apps, and {% translate "…" %} in templates —
    what makemessages extracts (blocktranslate blocks aside)."""
    found = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_NAMES
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
                if (  # pgettext(context, message)
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in CONTEXT_GETTEXT_NAMES and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                ):
                    found.add(node.args[1].value)
    for path in [*(ROOT / "templates").rglob("*.html"), *ROOT.glob("*/templates/**/*.html")]:
        for double, single in TEMPLATE_TRANSLATE.findall(path.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


def test_catalog_holds_every_message_marked_for_translation_in_the_source():
    """A string wrapped in gettext after the last makemessages would show in Chinese in the English UI:
    run makemessages, translate, compilemessages (README)."""
    catalog = {e.msgid for e in po_entries()}
    assert len(source_messages()) > 700
    assert sorted(source_messages() - catalog) == []


# --- the site in English -----------------------------------------------------------------------


def register(unit, actor):
    """factories.register, unit first as this module calls it."""
    return factories.register(actor, unit, applicant_id_number="330101199003151234", days_ago=3)


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client):
    page = client.get(reverse("admin:login")).content.decode()
    assert "政府信息公开申请办理系统" in page
    assert "Government Information Disclosure Request System" not in page


@pytest.mark.django_db
def test_login_page_is_english_when_the_browser_asks_for_english(client):
    page = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Government Information Disclosure Request System" in page
    assert "政府信息公开申请办理系统" not in page


@pytest.mark.django_db
def test_login_page_offers_the_language_switch(client):
    page = client.get(reverse("admin:login")).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'name="language" value="en"' in page
    assert 'name="language" value="zh-hans"' in page


@pytest.mark.django_db
def test_request_page_is_chinese_by_default_and_english_with_the_language_cookie(client, tree, people):
    req = register(tree["dept"], people["clerk"])
    client.force_login(people["clerk"])
    url = reverse("admin:disclosure_disclosurerequest_change", args=[req.pk])

    chinese = client.get(url).content.decode()
    assert "可进行的操作" in chinese and "政府信息公开申请" in chinese
    assert "Available actions" not in chinese

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "Available actions" in english
    assert "Disclosure request" in english
    assert "Request number" in english
    for label in ("可进行的操作", "申请编号", "期限计算", "政府信息公开申请办理系统"):
        assert label not in english


@pytest.mark.django_db
def test_language_switch_sets_english_and_back_to_chinese(client, people):
    client.force_login(people["clerk"])
    index = reverse("admin:index")

    response = client.post(reverse("set_language"), {"language": "en", "next": index})
    assert response.status_code == 302 and response["Location"] == index
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get(index).content.decode()
    assert "My to-do" in english and "All functions" in english  # the home page (workspace) is the index

    client.post(reverse("set_language"), {"language": "zh-hans", "next": index})
    page = client.get(index).content.decode()
    assert "我的待办" in page and "全部功能" in page and "My to-do" not in page


@pytest.mark.django_db
def test_workflow_error_comes_out_in_the_readers_language(tree, people):
    req = register(tree["dept"], people["clerk"])
    today = timezone.localdate()
    for language, expected in (
        ("en", "A correction notice must state the items that need correcting."),
        ("zh-hans", "补正告知需要写明需要补正的事项。"),
    ):
        with translation.override(language), pytest.raises(WorkflowError) as refused:
            services.request_correction(
                req, actor=people["clerk"], requested_on=today, items=" ", period_until=today + timedelta(days=15)
            )
        assert str(refused.value) == expected
        assert refused.value.field == "items"


# --- the statutory report stays Chinese ------------------------------------------------------------


@pytest.mark.django_db
def test_annual_report_document_is_the_same_chinese_document_whatever_the_ui_language(tree, people):
    from reporting import services as reports

    year = timezone.localdate().year - 1
    with translation.override("zh-hans"):
        chinese = reports.compile_report(tree["root"], year)
    with translation.override("en"):
        from_english_ui = reports.compile_report(tree["root"], year)
        assert translation.get_language() == "en"  # the override is undone afterwards
    assert from_english_ui == chinese
    assert from_english_ui["table4_rule"]["text"].startswith("统计口径")
    assert all(CJK.search(check["message"]) for check in from_english_ui["checks"])


@pytest.mark.django_db
def test_annual_report_page_shows_the_statutory_labels_in_english_for_an_english_reader(client, tree, people):
    client.force_login(people["admin"])
    url = reverse("reporting:report")
    query = {"unit": tree["root"].pk, "year": timezone.localdate().year - 1}

    chinese = client.get(url, query).content.decode()
    assert "（七）总计" in chinese and "未经复议直接起诉" in chinese and "(7) Total" not in chinese
    assert "统计口径" in chinese and "Scope:" not in chinese

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url, query).content.decode()
    for label in ("(7) Total", "Lawsuit without prior reconsideration", "Article 20 (1)", "Legal persons or other organisations"):
        assert label in english
    for label in ("（一）予以公开", "未经复议直接起诉", "第二十条第（一）项", "法人或其他组织", "（七）总计", "统计口径"):
        assert label not in english
    assert "Scope:" in english  # the table-四 note; the checks are in English too


STATUTORY_MARKERS = {  # format: (Chinese text the file must carry, its English translation that must not appear)
    "html": ("（七）总计", "(7) Total"),
    "docx": ("政府信息公开工作年度报告", "Annual Report on Government Information Disclosure"),
    "xlsx": ("依申请公开数量统计图", "Requests for disclosure (by"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", sorted(STATUTORY_MARKERS))
def test_annual_report_files_are_chinese_when_downloaded_from_the_english_ui(client, tree, people, fmt):
    client.force_login(people["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    year = timezone.localdate().year - 1
    response = client.get(reverse("reporting:download"), {"unit": tree["root"].pk, "year": year, "format": fmt})
    assert response.status_code == 200
    if fmt == "html":
        text = response.content.decode()
    else:
        with zipfile.ZipFile(io.BytesIO(response.content)) as package:
            text = "".join(package.read(name).decode() for name in package.namelist() if name.endswith(".xml"))
    chinese, english = STATUTORY_MARKERS[fmt]
    assert chinese in text
    assert english not in text


def test_models_have_singular_and_plural_names_in_english():
    """The Chinese name serves both; English needs two (the admin's index says "Disclosure requests",
    its add button "Add disclosure request")."""
    from django.apps import apps
    from django.utils import translation

    with translation.override("en"):
        names = {
            m._meta.label: (str(m._meta.verbose_name), str(m._meta.verbose_name_plural))
            for m in apps.get_models() if m._meta.app_label in {"disclosure", "reporting", "notifications", "api"}
        }
    assert names["disclosure.DisclosureRequest"] == ("Disclosure request", "Disclosure requests")
    assert names["disclosure.Attachment"] == ("Attachment", "Attachments")
    assert [label for label, (one, many) in names.items() if one == many and not one.endswith(("settings", "outbox",
            "loading", "(table 2)"))] == []
