"""Full-text search of requests (disclosure/search.py): the name, the content and the reply's text
anywhere, by the PostgreSQL trigram indexes or the SQLite FTS5 trigram table, from the admin list."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from disclosure import search
from disclosure.models import DisclosureRequest

from .. import factories

CHANGELIST = reverse("admin:disclosure_disclosurerequest_changelist")


def register(unit, actor, *, name="张三", content="申请公开某项目的批复文件"):
    """factories.register, unit first as this module calls it."""
    return factories.register(actor, unit, applicant_name=name, applicant_id_number="330101199003151234", content=content,
                              days_ago=3, today=timezone.localdate())


def found(term, *requests):
    hits = set(search.search_requests(DisclosureRequest.objects.all(), term).values_list("pk", flat=True))
    return {r.pk for r in requests} & hits if requests else hits


@pytest.fixture
def three(tree, people):
    a = register(tree["dept"], people["clerk"], name="欧阳修", content="申请公开老旧小区改造项目的批复文件")
    b = register(tree["dept"], people["clerk"], name="王安石", content="申请公开2025年财政预算执行情况")
    c = register(tree["dept"], people["clerk"], name="Smith Zhang", content="Request for the river survey report")
    # the reply's text (答复要素) as the reply service stores it; an UPDATE, as the services write it
    DisclosureRequest.objects.filter(pk=b.pk).update(reply_data={"reason": "涉及国家秘密，依法不予公开", "n": 3})
    return a, b, c


@pytest.mark.parametrize(
    "term, expected",
    [
        ("阳修", "a"),  # the name anywhere, two characters (a scan of the search table)
        ("欧阳修", "a"),  # three characters: the trigram index
        ("改造项目", "a"),
        ("财政预算", "b"),
        ("国家秘密", "b"),  # the reply's text
        ("秘密", "b"),
        ("smith", "c"),  # case-insensitive
        ("RIVER SURVEY", "c"),  # two terms, both in one request
        ("申请公开", "ab"),
        ("申请公开 批复", "a"),  # every term must match
        ("jd-fgj-2026-0002", "b"),  # a whole reference
        ("jd-fgj-2026-000", "abc"),  # the start of one
    ],
)
def test_search_finds_name_content_reply_and_reference(three, term, expected):
    a, b, c = three
    named = {"a": a, "b": b, "c": c}
    assert found(term, a, b, c) == {named[k].pk for k in expected}


def test_an_edited_content_is_found_by_its_new_words_only(three, people):
    a, _, _ = three
    DisclosureRequest.objects.filter(pk=a.pk).update(content="申请公开河道整治工程的环评报告")
    assert found("河道整治", a) == {a.pk}
    assert found("改造项目", a) == set()


@pytest.mark.parametrize("term", ['"', '""', "a OR b", "NEAR(a b)", "*", "x AND", "'", "-", "申请^", "(", "%", "_"])
def test_search_syntax_in_a_term_is_plain_text_and_never_an_error(client, people, three, term):
    client.force_login(people["clerk"])
    assert client.get(CHANGELIST, {"q": term}).status_code == 200
    found(term)


def test_the_admin_list_searches_the_reply_text_and_keeps_unit_isolation(client, tree, people, three):
    _, b, _ = three
    foreign = register(tree["other"], people["other_clerk"], content="涉及国家秘密的文件")
    client.force_login(people["clerk"])
    body = client.get(CHANGELIST, {"q": "国家秘密"}).content.decode()
    table = body.partition('id="result_list"')[2].partition("</table>")[0]
    assert b.ref in table and foreign.ref not in table


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite FTS5 table")
def test_on_sqlite_a_three_character_term_is_served_by_the_fts_index(three):
    sql, params = search.search_requests(DisclosureRequest.objects.all(), "国家秘密").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "VIRTUAL TABLE INDEX" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite FTS5 triggers")
def test_a_table_rebuild_that_drops_the_triggers_is_repaired_with_the_index_refilled(three):
    a, _, _ = three
    with connection.cursor() as cursor:
        for trigger in search.TRIGGERS:
            cursor.execute(f"DROP TRIGGER {trigger}")
        cursor.execute(f"DELETE FROM {search.FTS}")
    assert found("欧阳修", a) == set()
    assert search.install_sqlite_fts(connection) is True
    assert found("欧阳修", a) == {a.pk}
    assert search.install_sqlite_fts(connection) is False  # whole: nothing to do
    DisclosureRequest.objects.filter(pk=a.pk).update(applicant_name="司马光")
    assert found("司马光", a) == {a.pk}


@pytest.mark.postgres
@pytest.mark.parametrize("term", ["国家秘密", "欧阳修", "批复文件"])
def test_on_postgresql_the_search_uses_the_trigram_indexes_including_the_reply_text(three, term):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")
    queryset = search.search_requests(DisclosureRequest.objects.order_by(), term)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    for index in ("disclosure_request_name_trgm", "disclosure_request_content_trgm", "disclosure_request_reply_trgm"):
        assert index in plan, plan
