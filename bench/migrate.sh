#!/usr/bin/env bash
# upgrade head and downgrade base of N one-table revisions (default 1,000):
# luamig against the floor, the same SQL (luamig's own --sql output: the
# DDL, the version-table and history statements, BEGIN/COMMIT around each
# revision) run by `psql -X -f` in one session. Prints medians of 5 and the
# ratios; also peak RSS of luamig's upgrade.
#   bash bench/migrate.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/lib.sh
. bench/lib.sh
n=${1:-1000}
bench_setup
lua5.4 bench/gen.lua "$work/project" "$n" chain
cd "$work/project"

"$luamig" -q upgrade head --sql >"$work/up.sql"
"$luamig" -q downgrade head:base --sql >"$work/down.sql"

fresh() { "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"; }
at_head() { fresh; "${psql[@]}" -d bench -f "$work/up.sql" >/dev/null; }
alembic_at_head() { fresh; /usr/bin/alembic upgrade head >/dev/null 2>&1; }
url="host=$PG_DIR port=5432 user=postgres dbname=bench"

# each measured command runs against a database prepared by the step before
psql_up=$(time_ms 5 fresh "${psql[@]}" -d bench -f "$work/up.sql")
luamig_up=$(time_ms 5 fresh "$luamig" -q --url "$url" upgrade head)
psql_down=$(time_ms 5 at_head "${psql[@]}" -d bench -f "$work/down.sql")
luamig_down=$(time_ms 5 at_head "$luamig" -q --url "$url" downgrade base)
fresh >/dev/null
rss=$(/usr/bin/time -f %M "$luamig" -q --url "$url" upgrade head 2>&1 >/dev/null | tail -n 1)

printf 'migrate benchmark, N=%s one-table revisions (chain), medians of 5\n' "$n"
printf '  upgrade head    psql %8s ms   luamig %8s ms   luamig/psql %s\n' "$psql_up" "$luamig_up" "$(ratio "$luamig_up" "$psql_up")"
printf '  downgrade base  psql %8s ms   luamig %8s ms   luamig/psql %s\n' "$psql_down" "$luamig_down" "$(ratio "$luamig_down" "$psql_down")"
printf '  peak RSS of luamig upgrade head: %s KiB\n' "$rss"

# Alembic (Debian's alembic package) on the same work, where installed
if [ -x /usr/bin/alembic ] && /usr/bin/python3 -c 'import psycopg2' 2>/dev/null; then
  /usr/bin/python3 "$repo/bench/alembic_gen.py" "$work/alembic" "$n" \
    "postgresql+psycopg2://postgres@/bench?host=$PG_DIR&port=5432"
  cd "$work/alembic"
  alembic_up=$(time_ms 3 fresh /usr/bin/alembic upgrade head)
  alembic_down=$(time_ms 3 alembic_at_head /usr/bin/alembic downgrade base)
  printf '  alembic         upgrade %8s ms (luamig/alembic %s)   downgrade %8s ms (luamig/alembic %s)\n' \
    "$alembic_up" "$(ratio "$luamig_up" "$alembic_up")" "$alembic_down" "$(ratio "$luamig_down" "$alembic_down")"
  echo "  (alembic: medians of 3)"
else
  echo "  alembic: not installed (apt-get install alembic python3-psycopg2 to compare)"
fi
