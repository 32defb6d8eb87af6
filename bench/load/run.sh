#!/usr/bin/env bash
# Load test: gunicorn (4 workers) + PostgreSQL + Redis, locust headless at 10, 50 and 200 staff users.
#
#   bench/load/run.sh                      # the defaults below
#   USERS="10 50" LOAD_STEADY_SECONDS=90 bench/load/run.sh
#
# DATABASE_URL must name a scratch PostgreSQL database (it is migrated and seeded: 200 staff
# accounts and SEED_REQUESTS requests in a unit tree of its own). Prints, per user count, the
# sustained requests/s and p50/p95/p99 of the pages (the logins — PBKDF2 and TOTP, once per user —
# are left out of the percentiles, not of the errors), errors, and the per-page lines.
# Logs and CSVs go to $OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gk_sweep}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/8}"
export DJANGO_DEBUG=0
export DJANGO_LOG_LEVEL="${DJANGO_LOG_LEVEL:-ERROR}"
export GONGKAI_VAR_DIR="${GONGKAI_VAR_DIR:-/tmp/gk-load-var}"
PORT="${PORT:-8108}"
USERS="${USERS:-10 50 200}"
export LOAD_STEADY_SECONDS="${LOAD_STEADY_SECONDS:-60}"  # measured once every user has logged in
SEED_REQUESTS="${SEED_REQUESTS:-20000}"
OUT="${OUT:-/tmp/gk-load}"
PY=.venv/bin/python
mkdir -p "$OUT" "$GONGKAI_VAR_DIR"

case "$DATABASE_URL" in postgres*) ;; *) echo "DATABASE_URL must be PostgreSQL" >&2; exit 2 ;; esac

$PY manage.py migrate --noinput -v0
$PY bench/load/seed.py "$SEED_REQUESTS"

.venv/bin/gunicorn config.wsgi:application --workers 4 --bind "127.0.0.1:$PORT" --timeout 60 \
  --access-logfile - --error-logfile "$OUT/gunicorn.err" > "$OUT/gunicorn.access" 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/admin/login/" && break
  sleep 1
done

echo "load test: gunicorn 4 workers on :$PORT, $(nproc) CPU cores, load average $(cut -d' ' -f1-3 /proc/loadavg), ${LOAD_STEADY_SECONDS}s of steady state per step"
for n in $USERS; do
  rate=$(( n < 20 ? n : 20 ))
  LOAD_SAMPLES="$OUT/u$n.samples.json" .venv/bin/locust -f bench/load/locustfile.py --headless -u "$n" -r "$rate" \
    -t 30m --host "http://127.0.0.1:$PORT" --only-summary --csv "$OUT/u$n" > "$OUT/locust-u$n.log" 2>&1 || true
  $PY - "$OUT/u$n.samples.json" "$n" "$LOAD_STEADY_SECONDS" <<'PY'
import json, sys
from collections import defaultdict
samples = json.load(open(sys.argv[1]))
seconds = float(sys.argv[3])
def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0
steady = [(n, t, e) for n, t, e, in_steady in samples if in_steady]
times = [t for _n, t, _e in steady]
errors = sum(1 for _n, _t, e, _s in samples if e)
print(f"{sys.argv[2]:>4} users: {len(steady) / seconds:6.1f} req/s  p50 {pct(times, .5):6.0f} ms  p95 {pct(times, .95):6.0f} ms  "
      f"p99 {pct(times, .99):6.0f} ms  errors {errors}/{len(samples)} (start-up logins left out of the figures, not of the errors)")
by_name = defaultdict(list)
for n, t, _e, in_steady in samples:
    by_name[n if in_steady else f"(start-up) {n}"].append(t)
for n, ts in sorted(by_name.items()):
    print(f"       {n[:34]:<34} {len(ts):>6}  p50 {pct(ts, .5):6.0f}  p95 {pct(ts, .95):6.0f}  p99 {pct(ts, .99):6.0f}")
PY
done
