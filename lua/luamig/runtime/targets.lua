-- Where a run's statements go: online, to the connection; offline (--sql),
-- into a script for psql. op and the migrator talk to either through the
-- same methods; and the database handle env.lua and revisions see.
local core = require("luamig.core")
local ddl = require("luamig.ddl")
local errors = require("luamig.errors")

local M = {}

-- Fault injection for the crash-safety specs: LUAMIG_FAULT_KILL_AFTER=N
-- kills the process with SIGKILL just before the N+1-th statement of a run.
local kill_after = tonumber(os.getenv("LUAMIG_FAULT_KILL_AFTER") or "")

-- One statement on a connection: with params through the extended
-- protocol ($n bound), without as a simple query (several statements).
local function run_sql(conn, sql, params)
  if params ~= nil then return conn:query(sql, params) end
  return conn:exec(sql)
end

------------------------------------------------------------ the db handle

-- The database as env.lua's on_connect(db) and luamig.context().db see it.
local Db = {}
Db.__index = Db

function M.db_handle(conn) return setmetatable({ conn = conn }, Db) end

-- db:execute(sql, params?) -> rows, info
function Db:execute(sql, params) return run_sql(self.conn, sql, ddl.bind_params("db:execute", params)) end

-- db:query(sql, params?) -> rows
function Db:query(sql, params) return (self.conn:query(sql, ddl.bind_params("db:query", params))) end

------------------------------------------------------------------ online

-- Online: statements run on the connection.
local Online = {}
Online.__index = Online

function M.online(conn) return setmetatable({ conn = conn }, Online) end

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

function Online.write_comment() end

-- op.backfill's progress table (name, schema), created on first use.
function Online:backfill_table()
  return self.migrator.books:ensure_backfill()
end

----------------------------------------------------------------- offline

-- Offline: statements are written to out as a script for psql.
local Offline = { offline = true }
Offline.__index = Offline

function M.offline(out) return setmetatable({ out = out, transaction_open = false }, Offline) end

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

function Offline:write_comment(text)
  self.out:write("-- ", ddl.comment_text(text), "\n\n")
end

------------------------------------------------------------------- both

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

-- op.progress and the ops that report on their own: the migrator shows it.
local function progress(target, done, total, label)
  if target.migrator then target.migrator:progress(done, total, label) end
end
Online.progress = progress
Offline.progress = progress
------------------------------------------------------ recording (lint, #17)

-- Recording: offline as --sql, but each statement a revision runs goes to
-- record(sql, line, in_transaction) with the line of the revision file
-- (.path) it came from; the runner's own statements (BEGIN, COMMIT, the
-- version table) are left out, as they have no line in it. op.query and
-- op.rows stop the revision with a needs_database error.
local Recorder = setmetatable({ recording = true }, { __index = Offline })
Recorder.__index = Recorder

local NeedsDatabase = {}
NeedsDatabase.__index = NeedsDatabase
NeedsDatabase.__tostring = function(e) return e.what .. " needs the database" end

-- Whether err (a revision error's cause) is a recorder's stop at op.query
-- or op.rows: { what = "op.query", line = n }.
function M.needs_database(err)
  return getmetatable(err) == NeedsDatabase
end

-- record(sql, line, in_transaction); the caller sets .path to the file
-- of the revision about to run, and .inside while its function runs.
function M.recorder(record)
  return setmetatable({ record = record, transaction_open = false }, Recorder)
end

-- .inside: the caller's mark that the revision's function is running
-- (the runner's own statements need no walk of the stack to be told apart)
function Recorder:execute(sql, params)
  local line = self.inside and errors.line_in(self.path)
  if line then self.record(ddl.inline_params(sql, params), line, self.transaction_open) end
end

function Recorder:copy_in(sql)
  self:execute(sql)
end

local function stop(what)
  return function(self)
    error(setmetatable({ what = what, line = errors.line_in(self.path) }, NeedsDatabase), 0)
  end
end
Recorder.query = stop("op.query")
Recorder.stream = stop("op.rows")

function Recorder.write_comment() end
function Recorder.progress() end  -- lint's pass shows no progress

-- Outside the revision's transaction for fn() only: the runner's COMMIT
-- and BEGIN around it are not the revision's statements.
function Recorder:autocommit(fn)
  local was_open = self.transaction_open
  self.transaction_open = false
  fn()
  self.transaction_open = was_open
end

return M
