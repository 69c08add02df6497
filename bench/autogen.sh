#!/usr/bin/env bash
# autogenerate at scale: `luamig check` comparing a model of N tables
# (default 1,000; each with 4 columns, an index and a foreign key to the
# table before it) with a database that matches it, against the floor of
# reading the same catalog with `pg_dump --schema-only`. Medians of 5.
#   bash bench/autogen.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
n=${1:-1000}
bench_setup
project=$work/project
mkdir -p "$project/migrations/versions"
url="host=$PG_DIR port=5432 user=postgres dbname=bench"
cat >"$project/luamig.lua" <<LUA
return { script_location = "migrations", url = "$url" }
LUA
echo 'return { target_metadata = require("models") }' >"$project/migrations/env.lua"
# the model, and the same schema as SQL
lua5.4 - "$n" "$project/models.lua" "$work/schema.sql" <<'LUA'
local n, model_path, sql_path = tonumber(arg[1]), arg[2], arg[3]
local model, sql = { 'local schema = require("luamig.schema")', "return schema.metadata {" }, {}
for i = 1, n do
  local fk = i > 1 and (', references = "t%d.id"'):format(i - 1) or ""
  model[#model + 1] = ([[  schema.table("t%d", {
    { "id", "bigserial", primary_key = true },
    { "name", "varchar(100)", nullable = false },
    { "parent_id", "bigint"%s },
    { "created_at", "timestamptz", nullable = false, default = "now()" },
  }, { indexes = { { "ix_t%d_name", { "name" } } } }),]]):format(i, fk, i)
  sql[#sql + 1] = ([[CREATE TABLE t%d (id bigserial PRIMARY KEY, name varchar(100) NOT NULL,
  parent_id bigint%s, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ix_t%d_name ON t%d (name);]]):format(i, i > 1 and (" REFERENCES t%d (id)"):format(i - 1) or "", i, i)
end
model[#model + 1] = "}"
io.open(model_path, "w"):write(table.concat(model, "\n"), "\n")
io.open(sql_path, "w"):write(table.concat(sql, "\n"), "\n")
LUA
"${psql[@]}" -d postgres -c "CREATE DATABASE bench"
"${psql[@]}" -d bench -f "$work/schema.sql" >/dev/null
cd "$project"
"$luamig" -q upgrade head   # creates the version table: check wants the database at head
"$luamig" check >/dev/null || { echo "check found differences in a matching database" >&2; exit 1; }
floor=$(time_ms 5 : pg_dump --schema-only -h "$PG_DIR" -p 5432 -U postgres -d bench)
check=$(time_ms 5 : "$luamig" check)
printf 'autogenerate benchmark, N=%s tables (model matches the database), medians of 5\n' "$n"
printf '  pg_dump --schema-only (floor) %8s ms\n' "$floor"
printf '  luamig check                  %8s ms   %s x floor\n' "$check" "$(ratio "$check" "$floor")"
