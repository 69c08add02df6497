#!/usr/bin/env bash
# autogenerate on the real schemas of ../shared/schemas/: `luamig check`
# against the floor of `pg_dump --schema-only` of the same database, run
# in turn, medians of 5, with two models:
# - empty: check reads everything and plans to drop it all;
# - reflected: the model written from the catalog of that database
#   (bench/reflected_model.lua, the model spec/e2e/autogen_reflected_spec.lua
#   checks), which matches it, so check also makes every comparison a
#   matching model triggers (the server's equality batch, the spelling of
#   function arguments, partition bounds...). check must find nothing.
#   bash bench/autogen_schemas.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
bench_setup
schemas_dir=$(cd .. && pwd)/shared/schemas
"${psql[@]}" -d postgres -c "CREATE ROLE graphile_starter" -c "CREATE ROLE graphile_starter_visitor" >/dev/null

# project DIR DB ENV_LUA: a project on database DB, stamped at base
project() {
  mkdir -p "$1/migrations/versions"
  cat >"$1/luamig.lua" <<LUA
return { script_location = "migrations", url = "host=$PG_DIR port=5432 user=postgres dbname=$2" }
LUA
  echo "$3" >"$1/migrations/env.lua"
  (cd "$1" && "$luamig" -q stamp base)
}

printf 'autogenerate on real schemas: luamig check vs pg_dump --schema-only, medians of 5 in turn\n'
for name in chinook-identity-schema pagila-schema synapse-full72 graphile-starter-schema; do
  db=${name//-/_}
  "${psql[@]}" -d postgres -c "CREATE DATABASE $db" >/dev/null
  "${psql[@]}" -d "$db" -f "$schemas_dir/$name.sql" >/dev/null
  "${psql[@]}" -d "$db" -c "VACUUM ANALYZE" >/dev/null  # not autovacuum inside the timings
  empty=$work/$db-empty
  project "$empty" "$db" 'return { target_metadata = require("luamig.schema").metadata {}, include_schemas = true }'
  matching=$work/$db-reflected
  mkdir -p "$matching"
  read_schemas=$(LUA_PATH="$PWD/lua/?.lua;$PWD/lua/?/init.lua;$PWD/spec/?.lua;;" LUA_CPATH="$PWD/build/lua/?.so;;" \
    lua5.4 bench/reflected_model.lua "host=$PG_DIR port=5432 user=postgres dbname=$db" "$name" "$matching/models.lua")
  project "$matching" "$db" "return { target_metadata = require(\"models\"), include_schemas = $read_schemas }"
  if ! out=$(cd "$matching" && "$luamig" check 2>&1); then
    printf '%s: check with the reflected model found differences:\n%s\n' "$name" "$out" >&2
    exit 1
  fi
  empty_cmd() { (cd "$empty" && "$luamig" -q check); }
  matching_cmd() { (cd "$matching" && "$luamig" -q check); }
  dump_cmd() { pg_dump --schema-only -h "$PG_DIR" -p 5432 -U postgres -d "$db"; }
  read -r check dump < <(time_pair 5 : empty_cmd : dump_cmd)
  printf '  %-26s empty model      check %7s ms   pg_dump %7s ms   %s x\n' "$name" "$check" "$dump" "$(ratio "$check" "$dump")"
  read -r check dump < <(time_pair 5 : matching_cmd : dump_cmd)
  printf '  %-26s reflected model  check %7s ms   pg_dump %7s ms   %s x\n' "$name" "$check" "$dump" "$(ratio "$check" "$dump")"
done
