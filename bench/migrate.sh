#!/usr/bin/env bash
# upgrade head and downgrade base of N one-table revisions (default 1,000;
# a chain, or branchy: side branches and merges): luamig against the
# floor, the same SQL (luamig's own --sql output: the DDL, the
# version-table and history statements, and the same transactions) run by
# `psql -X -f` in one session. Both transaction modes: BEGIN/COMMIT around
# each revision (the default) and one transaction for the whole run
# (transaction_per_migration = false). psql and luamig run in turn, so both
# see the machine alike. Prints medians of 5 and the ratios; also peak RSS
# of luamig's upgrade.
#   bash bench/migrate.sh [N] [chain|branchy]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/lib.sh
. bench/lib.sh
n=${1:-1000}
shape=${2:-chain}
bench_setup
lua5.4 bench/gen.lua "$work/project" "$n" "$shape"
cd "$work/project"
# the whole-run mode: the same project, one transaction
sed 's/^return {/return { transaction_per_migration = false,/' luamig.lua >luamig-one-tx.lua

fresh() { "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"; }
at_head() { fresh; "${psql[@]}" -d bench -f "$work/up.sql" >/dev/null; }
url="host=$PG_DIR port=5432 user=postgres dbname=bench"
psql_up() { "${psql[@]}" -d bench -f "$work/up.sql"; }
psql_down() { "${psql[@]}" -d bench -f "$work/down.sql"; }
luamig_up() { "$luamig" -q -c "$config" --url "$url" upgrade heads; }
luamig_down() { "$luamig" -q -c "$config" --url "$url" downgrade base; }

printf 'migrate benchmark, N=%s one-table revisions (%s), medians of 5\n' "$n" "$shape"
for mode in per-revision whole-run; do
  config=luamig.lua
  [ "$mode" = whole-run ] && config=luamig-one-tx.lua
  "$luamig" -q -c "$config" upgrade head --sql >"$work/up.sql"
  "$luamig" -q -c "$config" downgrade heads:base --sql >"$work/down.sql"
  # each measured command runs against a database prepared by the step
  # before it; psql and luamig run in turn
  read -r psql_up luamig_up < <(time_pair 5 fresh psql_up fresh luamig_up)
  read -r psql_down luamig_down < <(time_pair 5 at_head psql_down at_head luamig_down)
  printf '  %-13s upgrade heads   psql %8s ms   luamig %8s ms   luamig/psql %s\n' \
    "$mode" "$psql_up" "$luamig_up" "$(ratio "$luamig_up" "$psql_up")"
  printf '  %-13s downgrade base  psql %8s ms   luamig %8s ms   luamig/psql %s\n' \
    "$mode" "$psql_down" "$luamig_down" "$(ratio "$luamig_down" "$psql_down")"
  if [ "$mode" = per-revision ]; then per_up=$luamig_up; per_down=$luamig_down; fi
done
fresh >/dev/null
rss=$(/usr/bin/time -f %M "$luamig" -q --url "$url" upgrade heads 2>&1 >/dev/null | tail -n 1)
printf '  peak RSS of luamig upgrade heads: %s KiB\n' "$rss"

# Alembic (Debian's alembic package) on the same work, transaction per
# revision, where installed
alembic_at_head() { fresh; /usr/bin/alembic upgrade heads >/dev/null 2>&1; }
if [ "$shape" != chain ]; then
  echo "  alembic: compared on a chain only (bench/alembic_gen.py)"
elif [ -x /usr/bin/alembic ] && /usr/bin/python3 -c 'import psycopg2' 2>/dev/null; then
  /usr/bin/python3 "$repo/bench/alembic_gen.py" "$work/alembic" "$n" \
    "postgresql+psycopg2://postgres@/bench?host=$PG_DIR&port=5432"
  cd "$work/alembic"
  alembic_up=$(time_ms 3 fresh /usr/bin/alembic upgrade heads)
  alembic_down=$(time_ms 3 alembic_at_head /usr/bin/alembic downgrade base)
  printf '  alembic         upgrade %8s ms (luamig/alembic %s)   downgrade %8s ms (luamig/alembic %s)\n' \
    "$alembic_up" "$(ratio "$per_up" "$alembic_up")" "$alembic_down" "$(ratio "$per_down" "$alembic_down")"
  echo "  (alembic: medians of 3)"
else
  echo "  alembic: not installed (apt-get install alembic python3-psycopg2 to compare)"
fi
