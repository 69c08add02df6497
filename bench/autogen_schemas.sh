#!/usr/bin/env bash
# autogenerate on the real schemas of ../shared/schemas/: `luamig check`
# (every catalog query autogenerate makes; a model reflected from the
# database would add the server's equality batch only for expressions
# written otherwise) against the floor of `pg_dump --schema-only` of the
# same database, run in turn, medians of 5. The model is empty, so check
# reads everything and plans to drop it all.
#   bash bench/autogen_schemas.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
bench_setup
schemas_dir=$(cd .. && pwd)/shared/schemas
"${psql[@]}" -d postgres -c "CREATE ROLE graphile_starter" -c "CREATE ROLE graphile_starter_visitor" >/dev/null
printf 'autogenerate on real schemas: luamig check (empty model) vs pg_dump --schema-only, medians of 5 in turn\n'
for name in chinook-identity-schema pagila-schema synapse-full72 graphile-starter-schema; do
  db=${name//-/_}
  "${psql[@]}" -d postgres -c "CREATE DATABASE $db" >/dev/null
  "${psql[@]}" -d "$db" -f "$schemas_dir/$name.sql" >/dev/null
  project=$work/$db
  mkdir -p "$project/migrations/versions"
  cat >"$project/luamig.lua" <<LUA
return { script_location = "migrations", url = "host=$PG_DIR port=5432 user=postgres dbname=$db" }
LUA
  echo 'return { target_metadata = require("luamig.schema").metadata {}, include_schemas = true }' >"$project/migrations/env.lua"
  (cd "$project" && "$luamig" -q stamp base)
  check_cmd() { (cd "$project" && "$luamig" -q check); }
  dump_cmd() { pg_dump --schema-only -h "$PG_DIR" -p 5432 -U postgres -d "$db"; }
  read -r check dump < <(time_pair 5 : check_cmd : dump_cmd)
  printf '  %-26s check %7s ms   pg_dump %7s ms   %s x\n' "$name" "$check" "$dump" "$(ratio "$check" "$dump")"
done
