#!/usr/bin/env bash
# Runs tests with the whole process's clock set to days that have caught date-dependent tests
# before (issue 14): a Monday, a Friday, a Sunday, 31 December (next year's calendar not loaded),
# the working Saturday before the Spring Festival, the day before 国庆, and an hour when the
# server's UTC date and Asia/Shanghai's date differ. libfaketime moves time.time(), date.today(),
# Django's timezone.now() and SQLite's CURRENT_TIMESTAMP alike; PostgreSQL's clock it cannot move,
# so the runs use the embedded SQLite database.
#
# Usage: bash ci/dates.sh [pytest arguments]   (from the repository root; needs `faketime`:
#        apt-get install -y faketime). Without arguments it runs the pure modules' tests, the
#        admin, services, calendar, notification and API listing tests; `bash ci/dates.sh tests
#        -m "not browser and not worker"` runs the whole suite on every date (about 5 min each).
# Exit status 1 when any date fails; the summary line of every date is printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "ci/dates.sh: faketime missing (apt-get install -y faketime)" >&2; exit 2; }
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
if [ $# -eq 0 ]; then
  set -- tests/disclosure/test_deadlines.py tests/disclosure/test_workflow.py tests/disclosure/test_calendar.py \
         tests/disclosure/test_admin.py \
         tests/disclosure/test_services.py tests/disclosure/test_art35_proceedings.py tests/notifications \
         tests/api/test_listing.py \
         -m "not browser and not worker"
fi
DATES=(
  "2026-11-30 10:00:00"  # Monday
  "2026-12-04 10:00:00"  # Friday
  "2026-12-06 10:00:00"  # Sunday
  "2026-12-31 10:00:00"  # 31 December, 2027's schedule not in the calendar yet
  "2026-02-14 10:00:00"  # the working Saturday (调休) before the Spring Festival holiday
  "2026-09-30 10:00:00"  # the day before 国庆
  "2026-12-06 17:30:00"  # UTC Sunday evening = Monday 01:30 in Asia/Shanghai
)
unset DATABASE_URL REDIS_URL
# (no FAKETIME_DONT_FAKE_MONOTONIC: with it, time.sleep() in subprocess.wait(timeout=…) fails with EINVAL)
status=0
summary=()
for day in "${DATES[@]}"; do
  echo "=== $day (UTC) ==="
  log=$(mktemp)
  TZ=UTC faketime "$day" "$PY" -m pytest -q "$@" 2>&1 | tee "$log" | tail -n 30
  rc=${PIPESTATUS[0]}
  [ "$rc" -ne 0 ] && status=1
  summary+=("$day: $(tail -n 1 "$log")")
  rm -f "$log"
done
echo
printf '%s\n' "${summary[@]}"
exit $status
