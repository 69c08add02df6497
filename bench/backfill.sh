#!/usr/bin/env bash
# op.backfill of N rows (default 1,000,000; batch 10,000) by the SQL path
# (set = { v = "'done-' || id" }) and by the Lua path (fn computing the
# same), against one UPDATE of the whole table through psql. Each run
# starts from a copy of the same template database; the three run in
# turn, medians of 3. Then luamig's peak RSS for the Lua path at N/4 and N
# rows: bounded by the batch, not the table.
#   bash bench/backfill.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
n=${1:-1000000}
batch=10000
bench_setup
url="host=$PG_DIR port=5432 user=postgres dbname=bench"

# project DIR SPEC: a project whose one revision backfills items by SPEC
project() {
  mkdir -p "$1/migrations/versions"
  echo 'return { script_location = "migrations" }' >"$1/luamig.lua"
  echo 'return {}' >"$1/migrations/env.lua"
  cat >"$1/migrations/versions/000000000001_backfill.lua" <<LUA
return {
  revision = "000000000001",
  message = "backfill items",
  transaction = false,
  upgrade = function(op) op.backfill("items", { batch = $batch, $2 }) end,
  downgrade = function() end,
}
LUA
}
project "$work/sql" "set = { v = \"'done-' || id\" }"
project "$work/lua" 'fn = function(rows)
    local out = {}
    for i, row in ipairs(rows) do out[i] = { v = "done-" .. row.id } end
    return out
  end'

# template ROWS: the template database tpl_ROWS with items of ROWS rows
template() {
  "${psql[@]}" -d postgres -c "CREATE DATABASE tpl_$1"
  "${psql[@]}" -d "tpl_$1" -c "CREATE TABLE items (id bigint PRIMARY KEY, v text, payload text)" \
    -c "INSERT INTO items SELECT g, NULL, repeat('x', 40) FROM generate_series(1, $1) g" -c "VACUUM ANALYZE items"
}
template "$n"
rows=$n
fresh() {
  "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench TEMPLATE tpl_$rows"
  "${psql[@]}" -d bench -c "CHECKPOINT"
}
one_update() { "${psql[@]}" -d bench -c "UPDATE items SET v = 'done-' || id"; }
sql_path() { (cd "$work/sql" && "$luamig" -q --url "$url" upgrade head); }
lua_path() { (cd "$work/lua" && "$luamig" -q --url "$url" upgrade head); }

update=() sql=() lua=()
for ((i = 0; i < 3; i++)); do
  update+=("$(time_once fresh one_update)")
  sql+=("$(time_once fresh sql_path)")
  lua+=("$(time_once fresh lua_path)")
done
update_ms=$(median_ms "${update[@]}") sql_ms=$(median_ms "${sql[@]}") lua_ms=$(median_ms "${lua[@]}")
done_rows=$("${psql[@]}" -d bench -tAc "SELECT count(*) FROM items WHERE v = 'done-' || id")

# rss ROWS: luamig's peak RSS (kB) for the Lua path over ROWS rows
rss() {
  rows=$1
  fresh >/dev/null 2>&1
  (cd "$work/lua" && /usr/bin/time -f %M "$luamig" -q --url "$url" upgrade head 2>&1 >/dev/null | tail -n 1)
}
quarter=$((n / 4))
template "$quarter" >/dev/null
rss_quarter=$(rss "$quarter")
rss_full=$(rss "$n")

printf 'op.backfill benchmark, N=%s rows (bigint key, text), batch %s, medians of 3, run in turn\n' "$n" "$batch"
printf '  one UPDATE (psql) %9s ms\n' "$update_ms"
printf '  SQL path          %9s ms   SQL/UPDATE %s   (goal <= 1.5)\n' "$sql_ms" "$(ratio "$sql_ms" "$update_ms")"
printf '  Lua path          %9s ms   Lua/UPDATE %s   (goal <= 3)   (%s rows done by the last Lua run)\n' \
  "$lua_ms" "$(ratio "$lua_ms" "$update_ms")" "$done_rows"
printf '  peak RSS of luamig, Lua path: %s kB at %s rows, %s kB at %s rows\n' "$rss_quarter" "$quarter" "$rss_full" "$n"
