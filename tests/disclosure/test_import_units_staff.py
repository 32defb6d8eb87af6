"""import_units and import_staff (ledger.md "Units file", "Staff file")."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from disclosure.models import StaffRole, Unit, User
from security.models import AuditEntry

DATA = Path(__file__).parents[1] / "data" / "ledger"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


def write(tmp_path, text, name="file.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def paths():
    return dict(Unit.objects.values_list("code", "path"))


# --- units ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_units_are_created_with_parents_listed_after_their_children():
    status, out, err = run("import_units", str(DATA / "units.csv"))
    assert (status, err) == (0, "")
    assert "created=4" in out
    assert paths() == {
        "jindong": "/jindong/", "jd-fgj": "/jindong/jd-fgj/", "jd-dhj": "/jindong/jd-dhj/",
        "jd-fgj-zx": "/jindong/jd-fgj/jd-fgj-zx/",
    }
    assert Unit.objects.get(code="jd-dhj").kind == "township"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert (entry.via, entry.actor_name, entry.detail["what"], entry.detail["file"], entry.detail["created"]) == (
        "command", "manage.py import_units", "units", "units.csv", 4,
    )


@pytest.mark.django_db
def test_importing_units_twice_changes_nothing():
    run("import_units", str(DATA / "units.csv"))
    before = list(Unit.objects.order_by("pk").values())
    status, out, _err = run("import_units", str(DATA / "units.csv"))
    assert status == 0 and "created=0 updated=0 unchanged=4" in out
    assert list(Unit.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_units_accept_chinese_headers_and_kind_labels():
    status, _out, err = run("import_units", str(DATA / "units_zh.csv"))
    assert (status, err) == (0, "")
    assert dict(Unit.objects.values_list("code", "kind")) == {
        "jindong": "government", "jd-fgj": "department", "jd-dhj": "township",
    }


@pytest.mark.django_db
def test_moving_a_unit_updates_the_paths_of_its_whole_subtree(tmp_path):
    run("import_units", str(DATA / "units.csv"))
    moved = write(tmp_path, "code,name,parent,kind\n"
                            "jd-fgj,金东区发展和改革局,jd-dhj,department\n"
                            "jd-dhj,多湖街道（新）,jindong,township\n")
    status, out, _err = run("import_units", moved)
    assert status == 0 and "created=0 updated=2 unchanged=0" in out
    assert paths()["jd-fgj-zx"] == "/jindong/jd-dhj/jd-fgj/jd-fgj-zx/"
    assert Unit.objects.get(code="jd-dhj").name == "多湖街道（新）"


BAD_UNITS = [
    ("a,A,,government\nb,B,nowhere,department\n", ["row 3, column parent:"]),
    ("a,A,b,department\nb,B,a,department\n", ["row 2, column parent:", "row 3, column parent:"]),
    ("a,A,a,department\n", ["row 2, column parent:"]),
    ("a b,A,,government\n", ["row 2, column code:"]),
    ("a,A,,kingdom\n", ["row 2, column kind:"]),
    ("a,,,government\n", ["row 2, column name:"]),
    (",A,,government\n", ["row 2, column code:"]),
    ("a,A,,government\na,A2,,government\n", ["row 3, column code:"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize("body, lines", BAD_UNITS)
def test_bad_unit_rows_are_reported_and_nothing_is_written(tmp_path, body, lines):
    status, _out, err = run("import_units", write(tmp_path, "code,name,parent,kind\nok,OK,,other\n" + body))
    assert status == 1
    assert [line.split(":")[0] + ":" for line in err.splitlines()] == _shift(lines)
    assert Unit.objects.count() == 0


def _shift(lines):
    """The fixture rows start at spreadsheet row 3 (row 2 is a good unit)."""
    return [f"row {int(line.split(',')[0].split()[1]) + 1}," + line.split(",", 1)[1] for line in lines]


@pytest.mark.django_db
def test_a_file_that_would_put_a_stored_unit_under_its_own_child_is_a_cycle(tmp_path):
    run("import_units", str(DATA / "units.csv"))
    status, _out, err = run("import_units", write(tmp_path, "code,name,parent,kind\njindong,金东区人民政府,jd-fgj-zx,government\n"))
    assert status == 1
    assert err.startswith("row 2, column parent: ") and "jindong" in err
    assert paths()["jindong"] == "/jindong/"


# --- staff ---------------------------------------------------------------------------------------


@pytest.fixture
def units(db):
    run("import_units", str(DATA / "units.csv"))


def roles():
    return set(StaffRole.objects.values_list("user__username", "unit__code", "role"))


def test_staff_get_accounts_without_usable_password_and_every_role(units):
    status, out, err = run("import_staff", str(DATA / "staff.csv"))
    assert (status, err) == (0, "")
    assert "created=3" in out and "roles_added=4" in out
    assert roles() == {
        ("wangfang", "jd-fgj", "clerk"), ("wangfang", "jd-fgj", "reviewer"), ("lijun", "jd-fgj", "head"),
        ("zhaomin", "jindong", "supervisor"),
    }
    wang = User.objects.get(username="wangfang")
    assert (wang.full_name, wang.email, wang.is_staff) == ("王芳", "wangfang@jindong.gov.cn", True)
    assert not wang.has_usable_password()


def test_importing_staff_twice_changes_nothing(units):
    run("import_staff", str(DATA / "staff.csv"))
    before = list(User.objects.order_by("pk").values())
    status, out, _err = run("import_staff", str(DATA / "staff.csv"))
    assert status == 0 and "created=0 updated=0 unchanged=3 roles_added=0" in out
    assert list(User.objects.order_by("pk").values()) == before
    assert StaffRole.objects.count() == 4


def test_staff_accept_chinese_headers_and_role_labels(units):
    status, _out, err = run("import_staff", str(DATA / "staff_zh.csv"))
    assert (status, err) == (0, "")
    assert roles() == {("chenjing", "jd-dhj", "clerk"), ("chenjing", "jd-dhj", "legal_reviewer"),
                       ("sysadmin", "jindong", "admin")}


def test_password_env_gives_new_accounts_that_password_only(units, monkeypatch):
    run("import_staff", str(DATA / "staff.csv"))
    monkeypatch.setenv("GK_INITIAL_PASSWORD", "Chuqi-Mima-2026")
    status, _out, err = run("import_staff", str(DATA / "staff_zh.csv"), "--password-env", "GK_INITIAL_PASSWORD")
    assert (status, err) == (0, "")
    assert User.objects.get(username="chenjing").check_password("Chuqi-Mima-2026")
    assert not User.objects.get(username="wangfang").has_usable_password()  # existing account untouched


def test_password_env_naming_an_unset_variable_is_refused(units, monkeypatch):
    monkeypatch.delenv("GK_NOT_SET", raising=False)
    with pytest.raises(CommandError, match="GK_NOT_SET"):
        call_command("import_staff", str(DATA / "staff.csv"), "--password-env", "GK_NOT_SET", stdout=io.StringIO())
    assert User.objects.count() == 0


def test_a_changed_name_updates_the_account(units, tmp_path):
    run("import_staff", str(DATA / "staff.csv"))
    status, out, _err = run("import_staff", write(tmp_path, "username,full_name,unit,role\nlijun,李俊,jd-fgj,head\n"))
    assert status == 0 and "updated=1" in out
    lijun = User.objects.get(username="lijun")
    assert (lijun.full_name, lijun.email) == ("李俊", "")


HEADER = "username,full_name,email,unit,role\n"
BAD_STAFF = [
    ("a,甲,,jd-fgj,janitor\n", "row 2, column role:"),
    ("a,甲,,nowhere,clerk\n", "row 2, column unit:"),
    ("a,甲,not-an-email,jd-fgj,clerk\n", "row 2, column email:"),
    (",甲,,jd-fgj,clerk\n", "row 2, column username:"),
    ("a b,甲,,jd-fgj,clerk\n", "row 2, column username:"),
    ("a,,,jd-fgj,clerk\n", "row 2, column full_name:"),
    ("a,甲,,jd-fgj,\n", "row 2, column role:"),
    ("a,甲,,jd-fgj,clerk\na,乙,,jd-fgj,head\n", "row 3, column full_name:"),
]


@pytest.mark.parametrize("body, line", BAD_STAFF)
def test_bad_staff_rows_are_reported_and_nothing_is_written(units, tmp_path, body, line):
    status, _out, err = run("import_staff", write(tmp_path, HEADER + "ok,好,,jd-fgj,clerk\n" + body))
    assert status == 1
    [shifted] = _shift([line])
    assert err.splitlines() and all(line.startswith(shifted) for line in err.splitlines()), err
    assert User.objects.count() == 0 and StaffRole.objects.count() == 0


def test_unit_code_differing_only_in_case_is_a_row_error(tmp_path, db):
    """Subtrees are path prefixes and SQLite's LIKE ignores case: such codes must not coexist."""
    from django.core.management import call_command

    from disclosure.models import Unit

    f = tmp_path / "units.csv"
    f.write_text("code,name,parent,kind\nabc,甲,,government\nABC,乙,,government\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("import_units", str(f))
    assert not Unit.objects.exists()
