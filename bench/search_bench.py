"""Time the request search (disclosure/search.py) at N requests, on PostgreSQL or SQLite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_list .venv/bin/python bench/search_bench.py 1000000
    GONGKAI_VAR_DIR=/tmp/gk-bench-search .venv/bin/python bench/search_bench.py 100000   # SQLite

Migrates the database, then (once) copies one registered request N times in SQL (generate_series on
PostgreSQL, a recursive CTE on SQLite: minutes, not hours), each with its own reference, applicant
name, content and reply text drawn from small vocabularies so that a term matches a known share of
rows. Times the admin list's search query (the page's SELECT and its count) per term: median of 5,
in milliseconds, with the rows found. The FTS table and trigram indexes are kept by the database
(triggers, GIN), so the copy also measures their upkeep.

Measured 2026-12-02 on the shared 2-core box (8 helpers at work, so upper bounds), PostgreSQL 16,
1,000,000 requests (filled in 91 s with the four trigram GIN indexes kept): the list's first page
1.2-48 ms for every term (国家秘密 in 1% of replies 16 ms, 河道整治 in 10% of contents 1.2 ms, a name
欧阳修 13 ms, a reference B-123456 48 ms, absent words 23 ms); the full count is what grows with the
matches (10,000: 148 ms, 100,000: 393 ms) — the admin shows no full count (show_full_result_count
False). A two-character term (王伟) has no trigram: page 45 ms, count 1.2 s. SQLite at 20,000: page
0.7-12 ms by the FTS5 table; two-character terms scan it (58 ms).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("GONGKAI_VAR_DIR", "/tmp/gk-bench-search")
os.environ.setdefault("GONGKAI_REQUIRE_2FA", "0")

import django  # noqa: E402

django.setup()

from datetime import date  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from disclosure import search, services  # noqa: E402
from disclosure.models import DisclosureRequest, StaffRole, Unit, User  # noqa: E402

TABLE = "disclosure_disclosurerequest"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
TOPICS = ["老旧小区改造", "河道整治工程", "财政预算执行", "征地补偿安置", "学校布局调整", "环境影响评价",
          "道路拓宽工程", "农村宅基地审批", "食品安全抽检", "棚户区改造"]


def fill(n: int) -> None:
    have = DisclosureRequest.objects.count()
    if have >= n:
        return
    unit, _ = Unit.objects.get_or_create(code="bench", defaults={"name": "基准测试单位", "kind": "department"})
    actor, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True})
    StaffRole.objects.get_or_create(user=actor, unit=unit, role="clerk")
    template = services.register_request(
        actor=actor, unit=unit, applicant_type="natural_person", applicant_name="模板", channel="in_person",
        submitted_on=date(2026, 1, 5), content="模板", today=date(2026, 1, 5),
    )
    fields = [f for f in DisclosureRequest._meta.concrete_fields if f.column != "id"]
    vary = {
        "ref": "'B-' || gs",
        "ref_seq": "gs",
        "applicant_name": f"substr('{SURNAMES}', gs % 20 + 1, 1) || substr('{GIVEN}', (gs / 20) % 20 + 1, 1) || (gs % 997)",
        "content": "'申请公开' || (CASE gs % 10 " + " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(TOPICS))
        + " END) || '项目的批复文件，编号' || gs",
    }
    if connection.vendor == "postgresql":
        vary["reply_data"] = "CASE WHEN gs % 100 = 0 THEN '{\"reason\": \"涉及国家秘密，依法不予公开\"}'::jsonb ELSE '{}'::jsonb END"
        source = f"FROM {TABLE} t, generate_series({have + 1}, {n}) AS gs WHERE t.id = {template.pk}"
        prefix = ""
    else:
        vary["reply_data"] = "CASE WHEN gs % 100 = 0 THEN '{\"reason\": \"涉及国家秘密，依法不予公开\"}' ELSE '{}' END"
        source = f"FROM {TABLE} t, series WHERE t.id = {template.pk}"
        prefix = f"WITH RECURSIVE series(gs) AS (SELECT {have + 1} UNION ALL SELECT gs + 1 FROM series WHERE gs < {n}) "
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(vary.get(f.column, f't."{f.column}"') for f in fields)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix}INSERT INTO {TABLE} ({columns}) SELECT {values} {source}")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {TABLE}")
    print(f"filled {n - have} rows in {time.perf_counter() - started:.0f} s", flush=True)


def timed(term: str) -> tuple[float, int]:
    queryset = search.search_requests(DisclosureRequest.objects.order_by("-id"), term)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        page = list(queryset.values_list("id", flat=True)[:50])
        runs.append((time.perf_counter() - started) * 1000)
    count_started = time.perf_counter()
    found = queryset.count()
    return statistics.median(runs), len(page), found, (time.perf_counter() - count_started) * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    call_command("migrate", verbosity=0)
    fill(n)
    print(f"{connection.vendor}, {DisclosureRequest.objects.count():,} requests")
    print(f"{'term':<16} {'page ms':>8} {'count ms':>9} {'found':>9}")
    for term in ["国家秘密", "河道整治", "欧阳修", "王伟", "B-123456", "编号999999", "不存在的词语"]:
        ms, _shown, found, count_ms = timed(term)
        print(f"{term:<16} {ms:8.1f} {count_ms:9.1f} {found:9,}", flush=True)


if __name__ == "__main__":
    main()
