"""Migration 0005 encrypts the rows that were stored in plain text, and its reverse decrypts them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from disclosure import crypto

BEFORE = [("disclosure", "0004_request_proceeding_partial_indexes")]
AFTER = [("disclosure", "0005_encrypt_personal_data")]
ID, PHONE = "33010119800315123X", "13812345678"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def raw():
    with connection.cursor() as cursor:
        cursor.execute("SELECT applicant_id_number, applicant_contact FROM disclosure_disclosurerequest")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps later serialized tests working
def test_existing_plain_rows_are_encrypted_and_decrypted_back_on_reverse():
    try:
        apps = migrate(BEFORE)
        Unit = apps.get_model("disclosure", "Unit")
        Request = apps.get_model("disclosure", "DisclosureRequest")
        unit = Unit.objects.create(code="m-unit", name="迁移测试单位", kind="department", path="/m-unit/")
        Request.objects.create(unit=unit, applicant_type="natural_person", applicant_name="张三",
                               applicant_id_number=ID, applicant_contact=PHONE, channel="in_person",
                               submitted_on="2020-01-02", received_on="2020-01-02", content="内容")
        assert raw() == [(ID, PHONE)]
        migrate(AFTER)
        (stored,) = raw()
        assert all(crypto.is_token(v) for v in stored) and ID not in repr(stored) and PHONE not in repr(stored)
        migrate(BEFORE)
        assert raw() == [(ID, PHONE)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
