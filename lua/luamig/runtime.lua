-- The migration runtime: the connection, the lock, the version table, and
-- running planned steps in transactions — online against the server, or
-- offline as an SQL script.
local core = require("luamig.core")
local ddl = require("luamig.ddl")
local op = require("luamig.op")
local errors = require("luamig.errors")
local luamig = require("luamig")

local M = {}

-- A fixed first key for pg_try_advisory_lock(int, int): "lmig".
local LOCK_CLASS = 0x6c6d6967

local DIRECTION_NAMES = { up = "upgrade", down = "downgrade", stamp = "stamp_revision" }

local function direction_name(step)
  return DIRECTION_NAMES[step.direction] or "upgrade"
end

-- The revision file's table behind a step (its revmap step carries it;
-- a step made by hand may give the node only).
local function source_of(step)
  return step.source or step.node
end

------------------------------------------------------------- connecting

-- How soon the server notices that luamig died (kill -9) in the middle of
-- a statement, ends the session and so frees the migration lock
-- (PostgreSQL 14+; older servers notice only when the statement ends).
local DEAD_CLIENT_CHECK = "2s"

-- Opens the connection named by cfg.url, waiting at most timeout seconds
-- for the server unless the URL sets connect_timeout; the error never
-- shows a password.
function M.connect(url, timeout)
  if type(url) ~= "string" or url == "" then
    error("no database URL: pass --url, set LUAMIG_URL, or set url in the config file", 0)
  end
  errors.check_url(url)
  local conn, err = core.connect(url, timeout)
  if conn == nil then
    error(("cannot connect to the database: %s"):format(errors.redact(err, url):gsub("%s+", " ")), 0)
  end
  if conn:server_version() >= 140000 then
    conn:exec(ddl.set_settings({ { "client_connection_check_interval", DEAD_CLIENT_CHECK } }))
  end
  return conn
end

----------------------------------------------------------- SQL targets

-- Fault injection for the crash-safety specs: LUAMIG_FAULT_KILL_AFTER=N
-- kills the process with SIGKILL just before the N+1-th statement of a run.
local kill_after = tonumber(os.getenv("LUAMIG_FAULT_KILL_AFTER") or "")

-- One statement on a connection: with params through the extended
-- protocol ($n bound), without as a simple query (several statements).
local function run_sql(conn, sql, params)
  if params ~= nil then return conn:query(sql, params) end
  return conn:exec(sql)
end

-- The database as env.lua's on_connect(db) and luamig.context().db see it.
local Db = {}
Db.__index = Db

function M.db_handle(conn) return setmetatable({ conn = conn }, Db) end

-- db:execute(sql, params?) -> rows, info
function Db:execute(sql, params) return run_sql(self.conn, sql, ddl.bind_params("db:execute", params)) end

-- db:query(sql, params?) -> rows
function Db:query(sql, params) return (self.conn:query(sql, ddl.bind_params("db:query", params))) end

-- Online: statements run on the connection.
local Online = {}
Online.__index = Online

function Online:count_statement()
  if kill_after then
    self.statements = (self.statements or 0) + 1
    if self.statements > kill_after then core.kill_self() end
  end
end

-- Notes a statement after which the server is outside the transaction the
-- runner opened (a revision's COMMIT or ROLLBACK), even when a later BEGIN
-- opens another; Migrator:begin clears it.
function Online:note_transaction()
  if self.transaction_open and self.conn:transaction_status() == "idle" then self.left_transaction = true end
end

function Online:execute(sql, params)
  self:count_statement()
  local rows, info = run_sql(self.conn, sql, params)
  self:note_transaction()
  return rows, info
end

function Online:execute_all(stmts)
  local parts = {}
  for i, s in ipairs(stmts) do parts[i] = ddl.inline_params(s[1], s[2]) end
  return self:execute(table.concat(parts, ";\n"))
end

function Online:query(sql, params)
  self:count_statement()
  local rows, info = self.conn:query(sql, params)
  self:note_transaction()
  return rows, info
end

function Online:in_transaction()
  return self.transaction_open == true
end

-- An iterator over the rows of a query, read one at a time.
function Online:stream(sql, params)
  local conn = self.conn
  conn:stream(sql, params)
  return function() return conn:fetch() end
end

-- Drops what is left of an op.rows result the revision did not read to
-- the end, or of a COPY it stopped in (a signal), so that the connection
-- can carry the next statement; cancel (the revision failed) stops the
-- query instead of reading it all.
function Online:close_pending(cancel)
  self.conn:discard_pending(cancel)
end

-- COPY ... FROM STDIN fed by chunks(), an iterator of strings; an error
-- while producing them aborts the COPY.
function Online:copy_in(sql, chunks)
  local conn = self.conn
  conn:copy_in(sql)
  local ok, err = pcall(function()
    for chunk in chunks do conn:put_copy_data(chunk) end
  end)
  if not ok then
    pcall(conn.put_copy_end, conn, "aborted by luamig")
    error(err, 0)
  end
  local _, info = conn:put_copy_end()
  return info
end

-- Offline: statements are written to out as a script for psql.
local Offline = { offline = true }
Offline.__index = Offline

function Offline:execute(sql, params)
  self.out:write(ddl.inline_params(sql, params), ";\n\n")
end

function Offline:execute_all(stmts)
  for _, s in ipairs(stmts) do self:execute(s[1], s[2]) end
end

function Offline:query()
  error("op.query needs a database connection; it cannot run in --sql mode", 0)
end

function Offline:in_transaction()
  return self.transaction_open
end

function Offline:stream()
  error("op.rows needs a database connection; it cannot run in --sql mode", 0)
end

function Offline:copy_in(sql, chunks)
  self.out:write(sql, ";\n")
  for chunk in chunks do self.out:write(chunk) end
  self.out:write("\\.\n\n")
end

function Offline.close_pending() end

-- Runs fn() outside the revision's transaction: commit what is open, run,
-- and open a new one (for CREATE INDEX CONCURRENTLY and the like).
local function autocommit(target, fn)
  local m = target.migrator
  local was_open = target.transaction_open
  if was_open then m:commit() end
  fn()
  if was_open then m:begin() end
end
Online.autocommit = autocommit
Offline.autocommit = autocommit

------------------------------------------------------------ the migrator

local Migrator = {}
Migrator.__index = Migrator

-- opts: { cfg, conn (nil for offline), out (offline), log = function(line),
--         progress = function(text) }
function M.new(opts)
  local self = setmetatable({ cfg = opts.cfg, log = opts.log or function() end, commits = 0,
                              steps_uncommitted = 0, steps_recorded = 0, steps_rolled_back = 0 }, Migrator)
  if opts.conn then
    self.target = setmetatable({ conn = opts.conn }, Online)
  else
    self.target = setmetatable({ out = opts.out or io.stdout, transaction_open = false }, Offline)
  end
  self.target.migrator = self
  self.conn = opts.conn
  self.db = opts.conn and M.db_handle(opts.conn)
  return self
end

function Migrator:exec(sql, params)
  return self.target:execute(sql, params)
end

-- The version and history tables as { name, schema }, the schema as the
-- server resolves it, once per run (after env.lua's on_connect): every
-- later statement names it, so a revision changing search_path cannot
-- redirect them, and the lock is the same however the config spells the
-- table. Offline, the names stay as configured.
function Migrator:bookkeeping_tables()
  if self.tables == nil then
    local cfg = self.cfg
    local tables = { version = { cfg.version_table, cfg.version_table_schema },
                     history = { cfg.history_table, cfg.version_table_schema } }
    if not self.target.offline and cfg.version_table_schema == nil then
      local sql, params = ddl.resolve_schemas_query({ cfg.version_table, cfg.history_table })
      local row = self.conn:query(sql, params)[1]
      if row.s1 == nil or row.s2 == nil then
        error("the search path names no existing schema for the version table: set version_table_schema or fix search_path", 0)
      end
      tables.version[2], tables.history[2] = row.s1, row.s2
    end
    -- PostgreSQL's names for the session's own schema: tables there go
    -- with the session, and every run would apply everything again
    for _, t in pairs(tables) do
      if t[2] and t[2]:find("^pg_temp") then
        error(("the version table would be in %s, the session's temporary schema, which goes when luamig "
          .. "disconnects: set version_table_schema or fix search_path"):format(t[2]), 0)
      end
    end
    self.tables = tables
  end
  return self.tables
end

function Migrator:version_table()
  local t = self:bookkeeping_tables().version
  return t[1], t[2]
end

function Migrator:history_table()
  local t = self:bookkeeping_tables().history
  return t[1], t[2]
end

-- The version table as messages name it: public.luamig_version.
function Migrator:version_table_label()
  local name, schema = self:version_table()
  return schema and (schema .. "." .. name) or name
end

-- Session settings for the whole run (PostgreSQL's lock_timeout and
-- statement_timeout), so that no statement queues behind a long
-- transaction and blocks production traffic.
function Migrator:apply_settings()
  local settings = {}
  for _, name in ipairs({ "lock_timeout", "statement_timeout" }) do
    local v = self.cfg[name]
    if v ~= nil then
      if math.type(v) == "integer" then v = tostring(v) .. "ms" end
      settings[#settings + 1] = { name, tostring(v) }
    end
  end
  if #settings > 0 then self:exec(ddl.set_settings(settings)) end
end

-- Refuses a pooling proxy that shares our server session with other
-- clients (PgBouncer in transaction or statement mode): a session lock
-- protects nothing there. A proxy shows as a pid from libpq (PgBouncer's
-- own) unlike the server's; then a second client must not reach the server
-- session we just left idle, as it does through such a pool.
function Migrator:check_session_kept()
  local pid = self.conn:query(ddl.BACKEND_PID_QUERY)[1].pid
  if pid == self.conn:backend_pid() then return end
  local probe = M.connect(self.cfg.url)
  local ok, probe_pid = pcall(function() return probe:query(ddl.BACKEND_PID_QUERY)[1].pid end)
  probe:close()
  if not ok then error(probe_pid, 0) end
  if probe_pid == pid then
    error("the connection goes through a pooling proxy that shares server sessions between clients "
      .. "(such as PgBouncer in transaction or statement mode): session advisory locks do not work there; "
      .. "connect to PostgreSQL directly or through session pooling for migrations", 0)
  end
end

-- Waits for the session advisory lock by polling pg_try_advisory_lock from
-- outside any transaction: a runner blocked in pg_advisory_lock would hold
-- a snapshot and deadlock another runner's CREATE INDEX CONCURRENTLY. With
-- a timeout it tries a last time at the deadline, not before.
function Migrator:lock(timeout)
  if self.target.offline then return end
  local label
  local ok, err = pcall(function()
    self:check_session_kept()
    local key = ddl.qualified(self:version_table())
    label = self:version_table_label()
    local deadline = timeout and core.clock() + timeout
    local delay, said = 0.02, false
    while not self.conn:query(ddl.try_lock_query(LOCK_CLASS, key))[1].locked do
      if not said then
        self.log("waiting for another luamig run to release its lock on " .. label)
        said = true
      end
      local remaining = deadline and deadline - core.clock()
      if remaining and remaining <= 0 then
        error(("gave up waiting for the migration lock on %s after %g s (--lock-timeout)"):format(label, timeout), 0)
      end
      core.sleep(math.min(delay * (0.5 + math.random()), remaining or math.huge))
      if core.interrupted() then error("interrupted", 0) end
      delay = math.min(delay * 2, 1)
    end
    self.locked = key
  end)
  -- the interrupt hook raises with the position of our code; say it plainly
  if not ok and core.interrupted() then
    error(("interrupted by %s while waiting for the migration lock%s")
      :format(core.interrupted(), label and (" on " .. label) or ""), 0)
  end
  if not ok then error(err, 0) end
end

function Migrator:unlock()
  if self.locked and self.conn:is_ok() then
    self.conn:query(ddl.unlock_query(LOCK_CLASS, self.locked))
  end
  self.locked = nil
end

-- Which of the version and history tables exist (one query, remembered).
function Migrator:bookkeeping_present()
  if self.present == nil then
    local sql, params = ddl.tables_exist_query({ self:version_table() }, { self:history_table() })
    local row = self.conn:query(sql, params)[1]
    self.present = { version = row.t1, history = row.t2 }
  end
  return self.present
end

-- The version rows, or {} when the table does not exist yet.
function Migrator:current_heads()
  if self.target.offline or not self:bookkeeping_present().version then return {} end
  local heads = {}
  for i, row in ipairs(self.conn:exec(ddl.select_versions(self:version_table()))) do
    heads[i] = row.version_num
  end
  table.sort(heads)
  return heads
end

-- Creates what is missing of the version and history tables, in one
-- statement batch, so a kill cannot leave one without the other.
function Migrator:ensure_bookkeeping()
  local present = self.target.offline and {} or self:bookkeeping_present()
  local stmts = {}
  if not self.target.offline and not (present.version and present.history) then
    stmts[1] = { ddl.bookkeeping_lock(LOCK_CLASS, "luamig bookkeeping tables") }
  end
  if not present.version then stmts[#stmts + 1] = { ddl.create_version_table(self:version_table()) } end
  if not present.history then stmts[#stmts + 1] = { ddl.create_history_table(self:history_table()) } end
  if #stmts > 0 then self.target:execute_all(stmts) end
  self.present = { version = true, history = true }
end

-- The statements recording a step, as { sql, params } pairs: its
-- version-table changes and (when a revision ran) its history row.
function Migrator:record_statements(step, direction, seconds)
  local name, schema = self:version_table()
  -- online, first of all: still the transaction the runner opened, and
  -- still the only run
  local stmts = {}
  if self.transaction_id then stmts[1] = { ddl.same_transaction(self.transaction_id) } end
  for _, change in ipairs(step.version_ops) do
    stmts[#stmts + 1] = { ddl.version_change(name, schema, change) }
  end
  local node = step.node
  if node.revision ~= nil then
    local history, history_schema = self:history_table()
    -- offline, the time taken is psql's, not known here: 0
    local ms = self.target.offline and 0 or seconds * 1000
    stmts[#stmts + 1] = { ddl.history_insert(history, history_schema, {
      node.revision, direction, ms, source_of(step).checksum, node.message, n = 5 }) }
  end
  return stmts
end

-- Records a step and, with commit, ends its transaction: online in one
-- round trip (several statements in one simple query, values as escaped
-- literals), where three would double a small revision's time.
function Migrator:record(step, direction, seconds, commit)
  local stmts = self:record_statements(step, direction, seconds)
  if commit then
    for _, s in ipairs(self:commit_statements()) do stmts[#stmts + 1] = s end
  end
  local ok, err = pcall(self.target.execute_all, self.target, stmts)
  if not ok then
    local message = self:record_error(step, direction, err)
    if errors.is_db_error(err) and ddl.is_lock_lost(err) then self.locked = nil end  -- nothing to unlock
    error(message, 0)
  end
  self.steps_uncommitted = commit and 0 or self.steps_uncommitted + 1
  self.steps_recorded = self.steps_recorded + 1
  if commit then self.target.transaction_open = false end
end

-- What a released migration lock means, however it is found out.
local LOCK_RELEASED = "another run may have run revisions at the same time"

local ENDED_TRANSACTION = "the revision ended the runner's transaction (COMMIT or ROLLBACK in op.execute); "
  .. "what it ran is committed as far as it got and the version table was not updated; "
  .. "check the database, and use transaction = false or op.autocommit for work that must commit"

-- The failure of a revision that ended the runner's transaction (then
-- failing with err, when given); the steps recorded in that transaction
-- went with its COMMIT or ROLLBACK, whichever it was.
function Migrator:ended_transaction_error(node, direction, err, line)
  self.steps_uncommitted = 0
  if err == nil then return errors.revision_error(node, direction, ENDED_TRANSACTION) end
  return errors.revision_error(node, direction, err, line, ENDED_TRANSACTION .. "; then it failed: ")
end

-- A failure recording a step, naming its revision (or stamp) and, when a
-- version change matched no row, that row.
function Migrator:record_error(step, direction, err)
  local node = step.node
  if node.revision and errors.is_db_error(err) and ddl.is_other_transaction(err) then
    return self:ended_transaction_error(node, direction)
  end
  local missing = errors.is_db_error(err) and ddl.missing_version_row(err)
  if errors.is_db_error(err) and ddl.is_lock_lost(err) then
    err = ("the revision released luamig's migration lock on %s (pg_advisory_unlock_all or DISCARD ALL): %s; %s"):format(
      self:version_table_label(), LOCK_RELEASED, node.revision and self:undo_outcome() or "nothing was changed")
  elseif missing then
    err = ("the version table %s has no row %s to change (it was changed during the run); %s"):format(
      self:version_table_label(), missing, node.revision and self:undo_outcome() or "nothing was changed")
  end
  if node.revision == nil then return "stamp: " .. errors.describe(err) end
  return errors.revision_error(node, direction, err)
end

-- Applied revisions whose file changed since they last ran: { {revision, path} }.
function Migrator:drift(map, applied)
  if self.target.offline or not self:bookkeeping_present().history then return {} end
  local changed = {}
  for _, row in ipairs(self.conn:exec(ddl.latest_history_query(self:history_table()))) do
    local node = applied[row.revision] and map:get(row.revision)
    local checksum = node and map:source(node).checksum
    if checksum and row.direction == "upgrade" and row.checksum and row.checksum ~= checksum then
      changed[#changed + 1] = { revision = row.revision, path = node.path }
    end
  end
  table.sort(changed, function(a, b) return a.revision < b.revision end)
  return changed
end

-------------------------------------------------------------- transactions

function Migrator:begin()
  if self.target.offline then
    self:exec(ddl.BEGIN)
  else
    self.transaction_id = self:exec(ddl.BEGIN_READING_ID)[1].id
    self.target.left_transaction = false
  end
  self.target.transaction_open = true
end

-- The statements ending the runner's transaction: online, first a check
-- that this session still holds the migration lock (a revision can release
-- it). Once per COMMIT, not per step: everything the transaction did
-- commits only if the check passes, and pg_locks, which the check scans,
-- grows with the locks a long transaction holds.
function Migrator:commit_statements()
  local stmts = {}
  if self.locked and not self.target.offline then stmts[1] = { ddl.holds_lock(LOCK_CLASS, self.locked) } end
  stmts[#stmts + 1] = { ddl.COMMIT }
  return stmts
end

function Migrator:commit()
  local ok, err = pcall(self.target.execute_all, self.target, self:commit_statements())
  if not ok then
    if errors.is_db_error(err) and ddl.is_lock_lost(err) then
      self.locked = nil  -- nothing to unlock
      err = ("the migration lock on %s was released during the run (pg_advisory_unlock_all or DISCARD ALL in a revision): "
        .. "%s; the run's transaction was rolled back")
        :format(self:version_table_label(), LOCK_RELEASED)
    end
    error(err, 0)
  end
  self.target.transaction_open = false
  self.commits = self.commits + 1
  self.steps_uncommitted = 0
end

-- After a failure: roll back if a transaction is open; a lost connection
-- has rolled back on the server already.
function Migrator:rollback()
  self.target.transaction_open = false
  if self.conn and self.conn:is_ok() and self.conn:transaction_status() ~= "idle" then
    pcall(self.conn.exec, self.conn, ddl.ROLLBACK)
  end
end

------------------------------------------------------------------ steps

-- Whether the running revision's work is all in the runner's open
-- transaction: it began there and committed nothing since
-- (transaction = false, op.autocommit commit).
function Migrator:revision_uncommitted()
  local began = self.revision_began
  return began.in_transaction and began.commits == self.commits
end

-- What a failure of the running revision leaves behind; offline, a
-- script cut short.
function Migrator:undo_outcome()
  if self.target.offline then return "the SQL script written so far is incomplete: it ends inside this revision" end
  if self:revision_uncommitted() then return "the revision was rolled back" end
  return "the revision runs outside a transaction (transaction = false or op.autocommit): "
    .. "the statements it ran stay applied and the version table was not updated; check them before running it again"
end

-- Whether the revision that just ran ended the transaction the runner
-- opened for it (COMMIT or ROLLBACK, perhaps then BEGIN). One that
-- returned is checked as its step is recorded, in the same round trip
-- (ddl.same_transaction); one that failed is checked here, by the
-- transaction's id unless the server's transaction is aborted.
function Migrator:left_transaction(returned)
  local target = self.target
  if target.offline or not (target.transaction_open and self.revision_began.in_transaction) then return false end
  local server = self.conn:transaction_status()
  if server == "idle" or target.left_transaction then return true end
  if returned or server ~= "intrans" then return false end
  local ok, rows = pcall(self.conn.query, self.conn, ddl.TRANSACTION_ID_QUERY)
  return ok and rows[1].id ~= self.transaction_id
end

-- What a signal that stopped the running step leaves behind.
function Migrator:interruption()
  return ("interrupted by %s; %s"):format(core.interrupted(), self:undo_outcome())
end

-- Runs fn(op) for one step with op bound; any error becomes a revision
-- error naming the step's revision, file and line. Online, the server's
-- transaction state afterwards must be the runner's: a revision that ended
-- the transaction itself, or caught an SQL error and went on in an aborted
-- transaction, fails here with what happened.
function Migrator:call_revision(step)
  local node = step.node
  local direction = direction_name(step)
  local fn = source_of(step)[direction]
  local line
  self.revision_began = { in_transaction = self.target.transaction_open, commits = self.commits }
  luamig.set_context({ x = self.cfg.x or {}, revision = node.revision, direction = direction,
                       db = self.db, offline = self.target.offline == true })
  op.bind(self.target)
  local ok, err = core.call_interruptible(fn, function(e)
    line = errors.line_in(node.path)
    return e
  end, op)
  op.unbind()
  self.target:close_pending(not ok or core.interrupted() ~= nil)
  if self:left_transaction(ok) then
    error(self:ended_transaction_error(node, direction, not ok and err or nil, line), 0)
  end
  -- a signal stops the run here even when the revision swallowed its error
  if not ok or core.interrupted() then
    if core.interrupted() then err = self:interruption() end
    error(errors.revision_error(node, direction, err, line), 0)
  end
  if self.conn and self.conn:transaction_status() == "inerror" then
    error(errors.revision_error(node, direction,
      "an SQL error in the revision was caught (pcall) and the transaction is aborted; " .. self:undo_outcome()), 0)
  end
end

-- "Running upgrade a -> b, message", as Alembic logs a step; short (for
-- the --sql comment, as Alembic writes it) without the message.
local function describe_step(step, short)
  local from = table.concat(step.from or {}, ", ")
  local to = table.concat(step.to or {}, ", ")
  local msg = not short and step.node and step.node.message
  return ("Running %s %s -> %s%s"):format(direction_name(step), from, to,
    (msg and msg ~= "") and (", " .. msg) or "")
end

-- "1 revision", "3 revisions"
local function revisions(n)
  return n == 1 and "1 revision" or (n .. " revisions")
end

-- Runs fn(); on failure rolls back what is uncommitted and re-raises.
function Migrator:guarded(fn)
  local ok, err = pcall(fn)
  if not ok then
    self:rollback()
    -- with one transaction for the run, the steps recorded in it are gone too
    local n = self.steps_uncommitted
    if n > 0 and errors.is_revision_error(err) then
      err.also = ("%s applied before it in the run's transaction %s rolled back too "
        .. "(transaction_per_migration = false)"):format(revisions(n), n == 1 and "was" or "were")
    end
    self.steps_rolled_back = self.steps_rolled_back + n
    self.steps_uncommitted = 0
    error(err, 0)
  end
end

-- What a signal that stopped the command outside any revision leaves
-- behind: `none` (e.g. "nothing was applied") before a step was recorded,
-- `done` (when given) after.
function Migrator:stopped_outcome(none, done)
  local kept, lost = self.steps_recorded - self.steps_rolled_back, self.steps_rolled_back
  if self.steps_recorded == 0 or (done and kept == 0) then return none end
  if done then return done end
  local said = {}
  if kept > 0 then said[1] = ("the %s applied before it stay%s applied"):format(revisions(kept), kept == 1 and "s" or "") end
  if lost > 0 then
    said[#said + 1] = ("the %s applied in the run's transaction %s rolled back (transaction_per_migration = false)")
      :format(revisions(lost), lost == 1 and "was" or "were")
  end
  return table.concat(said, "; ")
end

-- Runs the steps in order. Each step's body and its version-table change
-- share one transaction (or the whole run shares one when
-- transaction_per_migration is false); a revision with transaction = false
-- runs outside any. A failure rolls back what is uncommitted and raises.
function Migrator:run(steps)
  local per_step = self.cfg.transaction_per_migration ~= false
  local target = self.target
  local function run_step(step)
    local transactional = source_of(step).transaction ~= false
    local started = core.clock()
    if not transactional and target.transaction_open then self:commit() end
    if transactional and not target.transaction_open then self:begin() end
    self:call_revision(step)
    local seconds = core.clock() - started
    local ok, err = pcall(function()
      if not target.transaction_open then self:begin() end
      -- a revision that committed work records it at once: with one
      -- transaction for the run, a later failure must not undo its version
      -- change alone
      self:record(step, direction_name(step), seconds, per_step or not self:revision_uncommitted())
    end)
    -- a signal that landed in the version write (luamig's own code, where
    -- it raises once, anywhere) is this revision's, with what stays applied
    if not ok and core.interrupted() then
      err = errors.revision_error(step.node, direction_name(step), self:interruption())
    end
    if not ok then error(err, 0) end
    return seconds
  end
  self:guarded(function()
    self:apply_settings()
    if not per_step and #steps > 0 then self:begin() end
    self:ensure_bookkeeping()
    for _, step in ipairs(steps) do
      target:write_comment(describe_step(step, true))
      local seconds = run_step(step)
      self.log(("%s (%.0f ms)"):format(describe_step(step), seconds * 1000))
    end
    if target.transaction_open then self:commit() end
  end)
end

function Online.write_comment() end

function Offline:write_comment(text)
  self.out:write("-- ", ddl.comment_text(text), "\n\n")
end

-- Replaces the version rows (stamp): revmap's stamp steps, each logged as
-- Alembic logs it, all in one transaction (so that a failure, --purge's
-- included, leaves the table as it was).
function Migrator:stamp(steps, purge)
  self:guarded(function()
    self:begin()
    self:ensure_bookkeeping()
    if purge then self:exec(ddl.delete_all_versions(self:version_table())) end
    -- the last record commits (no history row: nothing ran)
    if #steps == 0 then self:record({ version_ops = {}, node = {} }, "stamp", 0, true) end
    for i, step in ipairs(steps) do
      self.target:write_comment(describe_step(step, true))
      self.log(describe_step(step))
      self:record({ version_ops = step.version_ops, node = {} }, "stamp", 0, i == #steps)
    end
  end)
end

return M
