"""The request list's search is served by the trigram indexes of migration 0009 (PostgreSQL only):
the filter the API builds must be the very expression indexed, or a million-row search scans."""

import pytest
from django.db import connection

from api.filters import RequestFilter
from disclosure.models import DisclosureRequest

TRIGRAM_INDEXES = {"disclosure_request_ref_trgm", "disclosure_request_name_trgm", "disclosure_request_content_trgm"}


@pytest.fixture
def needs_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


@pytest.mark.usefixtures("needs_postgres")
@pytest.mark.postgres
def test_the_trigram_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'disclosure_disclosurerequest'")
        names = {row[0] for row in cursor.fetchall()}
    assert names >= TRIGRAM_INDEXES


@pytest.mark.usefixtures("needs_postgres")
@pytest.mark.postgres
@pytest.mark.parametrize("term", ["申请人4242", "jd-FGJ-2026", "批复文件"])
def test_the_api_search_uses_the_trigram_indexes(term):
    filters = RequestFilter({"search": term}, queryset=DisclosureRequest.objects.order_by())
    assert filters.is_valid()
    queryset = filters.qs  # the filter alone, no ordering
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show what it can use
        plan = queryset.explain()
    assert all(name in plan for name in TRIGRAM_INDEXES), plan
