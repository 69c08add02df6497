# Helpers shared by scripts/demo, scripts/test and bench/: installing the
# Debian packages, building, and a throwaway PostgreSQL cluster.
# shellcheck shell=bash

# libpg-query-dev: the PostgreSQL parser that lint reads every statement with
LUAMIG_PACKAGES="liblua5.4-dev lua5.4 lua-busted libpq-dev libpg-query-dev postgresql cmake gcc pkg-config"
# needed only by the specs: a real PgBouncer (spec/e2e/pgbouncer_spec.lua) and
# jq, a strict second JSON parser (spec/e2e/json_spec.lua); bsdutils' script(1),
# a real pseudo-terminal (spec/e2e/progress_spec.lua, cli_spec.lua's colour)
LUAMIG_SPEC_PACKAGES="pgbouncer jq bsdutils"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

say() { printf '==> %s\n' "$*" >&2; }

# Installs whatever of the packages is missing (apt-get update first).
install_deps() {
  local missing=() p
  for p in $LUAMIG_PACKAGES "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# build DIR [cmake options...]: configures and builds into DIR.
build() {
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
}

# pg_start DIR: initdb and start a private cluster in DIR, listening only on
# a unix socket in DIR; sets PG_DIR and PG_URL. initdb refuses root, so the
# cluster belongs to the postgres user.
pg_start() {
  PG_DIR=$1
  mkdir -p "$PG_DIR"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -s \
    -o "-c listen_addresses='' -k $PG_DIR -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" start \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
  PG_URL="host=$PG_DIR port=5432 user=postgres dbname=postgres"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] || return 0
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -s stop >/dev/null 2>&1 || true
}

# A directory the postgres user can reach: the caller's choice when it can,
# else one under /tmp.
pg_dir_under() {
  local want=$1
  mkdir -p "$want"
  if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$want"; then
    echo "$want"
  else
    mktemp -d /tmp/luamig-pg.XXXXXX
  fi
}
