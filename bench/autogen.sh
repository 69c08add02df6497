#!/usr/bin/env bash
# autogenerate at scale: `luamig check` comparing a model of N tables
# (default 1,000; each with 4 columns, an index and a foreign key to the
# table before it) with a database that matches it, against the floor of
# reading the same catalog with `pg_dump --schema-only`, run in turn. Medians
# of 5.
# --written-otherwise: each table also has a check that the model writes
# otherwise than the server stores it (`length(name) between 1 and 100`
# against `(length(name) >= 1) AND (length(name) <= 100)`), so that every
# one goes to the server's equality batch: its worst case.
#   bash bench/autogen.sh [N] [--written-otherwise]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
n=1000 otherwise=0
for a in "$@"; do
  case $a in
    --written-otherwise) otherwise=1 ;;
    *) n=$a ;;
  esac
done
bench_setup
project=$work/project
mkdir -p "$project/migrations/versions"
url="host=$PG_DIR port=5432 user=postgres dbname=bench"
cat >"$project/luamig.lua" <<LUA
return { script_location = "migrations", url = "$url" }
LUA
echo 'return { target_metadata = require("models") }' >"$project/migrations/env.lua"
# the model, and the same schema as SQL
lua5.4 - "$n" "$project/models.lua" "$work/schema.sql" "$otherwise" <<'LUA'
local n, model_path, sql_path, otherwise = tonumber(arg[1]), arg[2], arg[3], arg[4] == "1"
local model, sql = { 'local schema = require("luamig.schema")', "return schema.metadata {" }, {}
for i = 1, n do
  local fk = i > 1 and (', references = "t%d.id"'):format(i - 1) or ""
  model[#model + 1] = ([[  schema.table("t%d", {
    { "id", "bigserial", primary_key = true },
    { "name", "varchar(100)", nullable = false },
    { "parent_id", "bigint"%s },
    { "created_at", "timestamptz", nullable = false, default = "now()" },
  }, { indexes = { { "ix_t%d_name", { "name" } } }%s }),]]):format(i, fk, i, otherwise
    and (', constraints = { { type = "check", name = "ck_t%d_name", expr = "length(name) between 1 and 100" } }'):format(i)
    or "")
  sql[#sql + 1] = ([[CREATE TABLE t%d (id bigserial PRIMARY KEY, name varchar(100) NOT NULL,
  parent_id bigint%s, created_at timestamptz NOT NULL DEFAULT now()%s);
CREATE INDEX ix_t%d_name ON t%d (name);]]):format(i, i > 1 and (" REFERENCES t%d (id)"):format(i - 1) or "",
    otherwise and (", CONSTRAINT ck_t%d_name CHECK (length(name) >= 1 AND length(name) <= 100)"):format(i) or "", i, i)
end
model[#model + 1] = "}"
io.open(model_path, "w"):write(table.concat(model, "\n"), "\n")
io.open(sql_path, "w"):write(table.concat(sql, "\n"), "\n")
LUA
"${psql[@]}" -d postgres -c "CREATE DATABASE bench"
"${psql[@]}" -d bench -f "$work/schema.sql" >/dev/null
# the catalogs just grew by thousands of rows: vacuumed now, so that
# autovacuum does not run them inside the timings
"${psql[@]}" -d bench -c "VACUUM ANALYZE" >/dev/null
cd "$project"
"$luamig" -q upgrade head   # creates the version table: check wants the database at head
"$luamig" check >/dev/null || { echo "check found differences in a matching database" >&2; exit 1; }
dump_cmd() { pg_dump --schema-only -h "$PG_DIR" -p 5432 -U postgres -d bench; }
check_cmd() { "$luamig" check; }
read -r floor check < <(time_pair 5 : dump_cmd : check_cmd)  # in turn: both see the machine alike
printf 'autogenerate benchmark, N=%s tables (model matches the database%s), medians of 5\n' "$n" \
  "$( [ $otherwise = 1 ] && echo '; every check written otherwise: the equality batch on each')"
printf '  pg_dump --schema-only (floor) %8s ms\n' "$floor"
printf '  luamig check                  %8s ms   %s x floor\n' "$check" "$(ratio "$check" "$floor")"
