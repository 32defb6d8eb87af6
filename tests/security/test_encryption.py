"""ID numbers and contacts are encrypted at rest (run on SQLite and, with DATABASE_URL, PostgreSQL)."""

import io
from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from disclosure import crypto, ledger
from disclosure.models import ApplicantType, Channel, DisclosureRequest
from tests.api.builders import registered

ID = "33010119800315123X"
PHONE = "13812345678"
AGENT_ID = "330101199003151234"
AGENT_PHONE = "0579-82345678"
PLAIN = (ID, PHONE, AGENT_ID, AGENT_PHONE)
COLUMNS = ("applicant_id_number", "applicant_contact", "agent_id_number", "agent_contact")


def raw_rows():
    table = connection.ops.quote_name(DisclosureRequest._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {table}")  # noqa: S608 - fixed names
        return cursor.fetchall()


def assert_no_plain_text(rows):
    dump = repr(rows)
    for value in PLAIN:
        assert value not in dump
    assert "123X" not in dump and "5678" not in dump  # not even the tail of a number


def sample(people, tree, **overrides):
    fields = {"agent_name": "李律师", "agent_id_number": AGENT_ID, "agent_contact": AGENT_PHONE}
    fields.update(overrides)
    return registered(people["clerk"], tree["dept"], **fields)


@pytest.mark.django_db
def test_registered_request_stores_tokens_and_reads_back_plain_text(people, tree):
    req = sample(people, tree)
    rows = raw_rows()
    assert len(rows) == 1 and all(crypto.is_token(value) for value in rows[0])
    assert_no_plain_text(rows)
    again = DisclosureRequest.objects.get(pk=req.pk)
    assert (again.applicant_id_number, again.applicant_contact, again.agent_id_number, again.agent_contact) == PLAIN


@pytest.mark.django_db
def test_empty_values_stay_empty_and_are_not_tokens(people, tree):
    registered(people["clerk"], tree["dept"], applicant_id_number="", applicant_contact="")
    assert raw_rows() == [("", "", "", "")]
    assert DisclosureRequest.objects.filter(applicant_id_number="").count() == 1


@pytest.mark.django_db
def test_update_bulk_create_and_bulk_update_encrypt(people, tree):
    req = sample(people, tree)
    DisclosureRequest.objects.filter(pk=req.pk).update(applicant_contact=PHONE)
    made = DisclosureRequest.objects.bulk_create([
        DisclosureRequest(unit=tree["dept"], ref=f"B{i}", applicant_type=ApplicantType.NATURAL_PERSON,
                          applicant_name="王五", applicant_id_number=ID, applicant_contact=PHONE,
                          agent_id_number=AGENT_ID, agent_contact=AGENT_PHONE, channel=Channel.IN_PERSON,
                          submitted_on=date(2026, 11, 2), received_on=date(2026, 11, 2), content="内容")
        for i in range(3)
    ])
    for obj in made:
        obj.applicant_contact = PHONE
    DisclosureRequest.objects.bulk_update(made, ["applicant_contact"])
    rows = raw_rows()
    assert len(rows) == 4
    assert_no_plain_text(rows)
    assert set(DisclosureRequest.objects.values_list("applicant_contact", flat=True)) == {PHONE}


@pytest.mark.django_db
def test_ledger_import_and_export_round_trip_through_encryption(people, tree, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "ref,unit,channel,submitted_on,received_on,applicant_type,applicant_name,applicant_id_number,"
        "applicant_contact,content\n"
        f"L-1,{tree['dept'].code},in_person,2026-11-02,2026-11-02,natural_person,张三,{ID},{PHONE},某文件\n",
        encoding="utf-8",
    )
    result = ledger.import_ledger(source.read_bytes())
    assert result.created == 1
    assert_no_plain_text(raw_rows())
    out = io.StringIO()
    call_command("export_ledger", "--headers", "en", stdout=out)
    exported = out.getvalue()
    assert ID in exported and PHONE in exported  # the command exports what was imported
    # re-importing the export changes nothing
    again = ledger.import_ledger(exported.encode("utf-8"))
    assert (again.created, again.updated) == (0, 0)


@pytest.mark.django_db
def test_searching_an_encrypted_column_is_refused_rather_than_silently_empty():
    with pytest.raises(FieldError):
        list(DisclosureRequest.objects.filter(applicant_id_number__startswith="330"))


@pytest.mark.django_db
def test_key_rotation_old_tokens_read_with_the_second_key_and_reencrypt_moves_them(people, tree, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.GONGKAI_FIELD_KEYS = [old]
    req = sample(people, tree)
    settings.GONGKAI_FIELD_KEYS = [new, old]
    assert DisclosureRequest.objects.get(pk=req.pk).applicant_id_number == ID
    out = io.StringIO()
    call_command("reencrypt_fields", stdout=out)
    settings.GONGKAI_FIELD_KEYS = [new]
    assert DisclosureRequest.objects.get(pk=req.pk).applicant_id_number == ID
    settings.GONGKAI_FIELD_KEYS = [old]
    with pytest.raises(ImproperlyConfigured, match="GONGKAI_FIELD_KEY"):
        DisclosureRequest.objects.get(pk=req.pk)


@pytest.mark.django_db
def test_rows_written_before_encryption_are_encrypted_by_the_migration_step(people, tree):
    req = sample(people, tree)
    table = connection.ops.quote_name(DisclosureRequest._meta.db_table)
    with connection.cursor() as cursor:  # as the column looked before migration 0005
        cursor.execute(
            f"UPDATE {table} SET applicant_id_number = %s, applicant_contact = %s WHERE id = %s",  # noqa: S608
            [ID, PHONE, req.pk],
        )
    assert DisclosureRequest.objects.get(pk=req.pk).applicant_id_number == ID  # legacy plain text still reads
    assert crypto.reencrypt(DisclosureRequest) == 1
    assert_no_plain_text(raw_rows())
    assert DisclosureRequest.objects.get(pk=req.pk).applicant_contact == PHONE


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.GONGKAI_FIELD_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="Fernet"):
        crypto.encrypt("x")


def test_without_a_key_the_development_key_comes_from_the_secret_key(settings):
    settings.GONGKAI_FIELD_KEYS = []
    token = crypto.encrypt(ID)
    settings.SECRET_KEY = "another-secret-key-" * 3
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token)
