-- The SQL of luamig's own bookkeeping and session: transactions, the
-- guards a step runs before its version changes (same_transaction,
-- holds_lock), the version and history tables, the migration lock,
-- session settings.
local quote = require("luamig.ddl.quote")
local utf8text = require("luamig.utf8text")

local ident, qualified = quote.ident, quote.qualified
local M = {}

M.BEGIN, M.COMMIT, M.ROLLBACK = "BEGIN", "COMMIT", "ROLLBACK"

-- The transaction the server is in, as a number: its start time in
-- microseconds. A revision's own COMMIT and BEGIN change it (the new
-- transaction starts with a later message), where the transaction status
-- libpq reports stays "in a transaction".
local TRANSACTION_ID = "(extract(epoch FROM pg_catalog.transaction_timestamp()) * 1000000)::bigint"
M.BEGIN_READING_ID = "BEGIN; SELECT " .. TRANSACTION_ID .. " AS id"
M.TRANSACTION_ID_QUERY = "SELECT " .. TRANSACTION_ID .. " AS id"

-- Guards run before a step's version changes, in the same round trip: a
-- statement failing with a marker unless `condition` holds. The failing
-- cast depends on the session (`detail`), so the planner cannot fold it.
local function guard(condition, marker, detail)
  return ("SELECT CASE WHEN %s THEN 1 ELSE ('%s' || %s)::int END"):format(condition, marker, detail)
end

-- Whether a failed statement (a database error) is the guard of `marker`.
local function guard_failed(err, marker)
  return err.sqlstate == "22P02" and type(err.message) == "string" and err.message:find(marker, 1, true) ~= nil
end

local OTHER_TRANSACTION = "luamig: not the transaction luamig opened, now "
local LOCK_LOST = "luamig: the migration lock is not held by session "

-- Fails unless the server is still in the transaction whose id is given.
function M.same_transaction(id)
  return guard(TRANSACTION_ID .. " = $1", OTHER_TRANSACTION, TRANSACTION_ID), { id }
end

function M.is_other_transaction(err) return guard_failed(err, OTHER_TRANSACTION) end

-- Fails unless this session still holds the lock try_lock_query(class,
-- name) took (a revision can release it: pg_advisory_unlock_all, DISCARD
-- ALL); pg_locks shows an (int, int) advisory lock's keys as oids.
function M.holds_lock(class, name)
  return guard("EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' "
    .. "AND pid = pg_catalog.pg_backend_pid() AND classid = $1::int::pg_catalog.oid "
    .. "AND objid = pg_catalog.hashtext($2)::pg_catalog.oid AND objsubid = 2 AND granted)",
    LOCK_LOST, "pg_catalog.pg_backend_pid()"), { class, name }
end

function M.is_lock_lost(err) return guard_failed(err, LOCK_LOST) end

function M.create_version_table(name, schema)
  return ("CREATE TABLE IF NOT EXISTS %s (\n    version_num varchar(32) NOT NULL,\n    CONSTRAINT %s PRIMARY KEY (version_num)\n)")
    :format(qualified(name, schema), ident(name .. "_pkc"))
end

-- One row per applied step: the audit trail beyond Alembic.
function M.create_history_table(name, schema)
  return ([[CREATE TABLE IF NOT EXISTS %s (
    id bigserial PRIMARY KEY,
    revision varchar(32) NOT NULL,
    direction varchar(9) NOT NULL,
    started_at pg_catalog.timestamptz NOT NULL,
    duration_ms double precision NOT NULL,
    checksum varchar(64),
    db_user pg_catalog.text NOT NULL DEFAULT current_user,
    message pg_catalog.text
)]]):format(qualified(name, schema))
end

-- params: revision, direction, duration_ms, checksum, message. The
-- message goes in as text the column takes: a revision file may hold any
-- bytes there (Latin-1, a NUL), which must not fail the version write.
function M.history_insert(name, schema, params)
  local message = params[5]
  if type(message) == "string" then
    params = { params[1], params[2], params[3], params[4], (utf8text.repaired(message):gsub("%z", "\u{FFFD}")), n = 5 }
  end
  return ("INSERT INTO %s (revision, direction, started_at, duration_ms, checksum, message) "
    .. "VALUES ($1, $2, pg_catalog.clock_timestamp() - $3::pg_catalog.float8 * interval '1 millisecond', "
    .. "$3::pg_catalog.float8, $4, $5)")
    :format(qualified(name, schema)), params
end

-- The newest history row of each revision.
function M.latest_history_query(name, schema)
  return ("SELECT DISTINCT ON (revision) revision, direction, checksum FROM %s ORDER BY revision, id DESC")
    :format(qualified(name, schema))
end

function M.select_versions(name, schema)
  return ("SELECT version_num FROM %s"):format(qualified(name, schema))
end

-- The marker in the error of a version change that matched no row; the
-- server's message quotes it: ... "luamig: 0 version rows are <id>".
local NO_VERSION_ROW = "luamig: "

-- An UPDATE or DELETE of one version row as one statement that fails when
-- it changes no row (another session or the revision changed the table):
-- the check runs in the same simple query as the rest of the step, before
-- its COMMIT. The failing cast depends on count(*), so the planner cannot
-- fold it into an error of every run.
local function one_row(change_sql, id_param)
  return ("WITH changed AS (%s RETURNING 1) SELECT CASE pg_catalog.count(*) WHEN 1 THEN 1 "
    .. "ELSE ('%s' || pg_catalog.count(*) || ' version rows are ' || $%d)::int END FROM changed")
    :format(change_sql, NO_VERSION_ROW, id_param)
end

-- The version row a failed version change (a database error) found missing, or nil.
function M.missing_version_row(err)
  if err.sqlstate ~= "22P02" or type(err.message) ~= "string" then return nil end
  return err.message:match('"' .. NO_VERSION_ROW .. '%d+ version rows are (.-)"$')
end

-- One statement per version-table change ({op="insert"|"update"|"delete"}),
-- with its parameters.
function M.version_change(name, schema, change)
  local tbl = qualified(name, schema)
  if change.op == "insert" then
    return ("INSERT INTO %s (version_num) VALUES ($1)"):format(tbl), { change.id }
  elseif change.op == "update" then
    return one_row(("UPDATE %s SET version_num = $1 WHERE version_num = $2"):format(tbl), 2), { change.to, change.from }
  elseif change.op == "delete" then
    return one_row(("DELETE FROM %s WHERE version_num = $1"):format(tbl), 1), { change.id }
  end
  error("unknown version change " .. tostring(change.op))
end

function M.delete_all_versions(name, schema)
  return ("DELETE FROM %s"):format(qualified(name, schema))
end

-- Whether two tables ({name, schema} each) exist: columns t1, t2.
function M.tables_exist_query(a, b)
  return "SELECT pg_catalog.to_regclass($1) IS NOT NULL AS t1, pg_catalog.to_regclass($2) IS NOT NULL AS t2",
    { qualified(a[1], a[2]), qualified(b[1], b[2]) }
end

-- The schema each unqualified table name resolves to (columns s1, s2, ...):
-- the existing table's own on the search path, else current_schema(), where
-- CREATE TABLE would put it (NULL when the search path names no schema).
function M.resolve_schemas_query(names)
  local columns, params = {}, {}
  for i, name in ipairs(names) do
    params[i] = ident(name)
    columns[i] = ("coalesce((SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
      .. "ON n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass($%d)), pg_catalog.current_schema()) AS s%d")
      :format(i, i)
  end
  return "SELECT " .. table.concat(columns, ", "), params
end

-- The server session's pid as the server sees it (column pid); behind a
-- proxy it differs from the one libpq reports.
M.BACKEND_PID_QUERY = "SELECT pg_catalog.pg_backend_pid() AS pid"

-- The migration lock: a session advisory lock keyed by the version table's
-- schema-qualified name.
function M.try_lock_query(class, name)
  return "SELECT pg_catalog.pg_try_advisory_lock($1::int, pg_catalog.hashtext($2)) AS locked", { class, name }
end

function M.unlock_query(class, name)
  return "SELECT pg_catalog.pg_advisory_unlock($1::int, pg_catalog.hashtext($2))", { class, name }
end

-- A transaction lock serializing the creation of the bookkeeping tables
-- (the history table is shared by projects with different version tables,
-- hence different migration locks); `name` is no table's qualified name.
function M.bookkeeping_lock(class, name)
  return "SELECT pg_catalog.pg_advisory_xact_lock($1::int, pg_catalog.hashtext($2))", { class, name }
end

-- settings: { {name, value} }: session-wide SETs.
function M.set_settings(settings)
  local parts = {}
  for i, kv in ipairs(settings) do
    parts[i] = ("SET %s = %s"):format(ident(kv[1]), quote.literal(kv[2]))
  end
  return table.concat(parts, "; ")
end

return M
