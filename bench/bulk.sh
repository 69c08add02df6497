#!/usr/bin/env bash
# op.bulk_insert of N rows (default 1,000,000: int, text, timestamptz)
# against psql's \copy of the same rows from a file. Prints medians of 5
# and the ratio; the two run in turn, so both see the machine alike.
#   bash bench/bulk.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
n=${1:-1000000}
bench_setup
url="host=$PG_DIR port=5432 user=postgres dbname=bench"

mkdir -p "$work/project/migrations/versions"
echo 'return { script_location = "migrations" }' >"$work/project/luamig.lua"
echo 'return {}' >"$work/project/migrations/env.lua"
cat >"$work/project/migrations/versions/000000000001_bulk.lua" <<LUA
return {
  revision = "000000000001",
  message = "bulk insert",
  upgrade = function(op)
    op.create_table("items", { { "id", "integer" }, { "name", "text" }, { "at", "timestamptz" } })
    local i = 0
    op.bulk_insert("items", function()
      i = i + 1
      if i > $n then return nil end
      return { i, "item number " .. i, "2026-11-25 10:00:00+00" }
    end)
  end,
  downgrade = function(op) op.drop_table("items") end,
}
LUA
# the same rows as a COPY text file for psql
lua5.4 -e "local n = $n; local f = io.open('$work/items.tsv', 'w')
for i = 1, n do f:write(i, '\t', 'item number ', i, '\t', '2026-11-25 10:00:00+00', '\n') end f:close()"

fresh() { "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"; }
with_table() { fresh; "${psql[@]}" -d bench -c 'CREATE TABLE items (id integer, name text, at timestamptz)'; }
copy_with_psql() { "${psql[@]}" -d bench -c "\\copy items FROM '$work/items.tsv'"; }
insert_with_luamig() { (cd "$work/project" && "$luamig" -q --url "$url" upgrade head); }
read -r psql_ms luamig_ms < <(time_pair 5 with_table copy_with_psql fresh insert_with_luamig)
rows=$("${psql[@]}" -d bench -tAc 'SELECT count(*) FROM items')
printf 'bulk_insert benchmark, N=%s rows (int, text, timestamptz), medians of 5, run in turn\n' "$n"
printf '  psql \\copy %9s ms   luamig op.bulk_insert %9s ms   luamig/psql %s   (%s rows landed)\n' \
  "$psql_ms" "$luamig_ms" "$(ratio "$luamig_ms" "$psql_ms")" "$rows"
