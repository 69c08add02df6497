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

------------------------------------------------------------- connecting

-- Opens the connection named by cfg.url; the error never shows a password.
function M.connect(url)
  if type(url) ~= "string" or url == "" then
    error("no database URL: pass --url, set LUAMIG_URL, or set url in the config file", 0)
  end
  local conn, err = core.connect(url)
  if conn == nil then
    error(("cannot connect to the database: %s"):format(errors.redact(err, url):gsub("%s+", " ")), 0)
  end
  return conn
end

----------------------------------------------------------- SQL targets

-- Online: statements run on the connection.
local Online = {}
Online.__index = Online

function Online:execute(sql, params)
  if params ~= nil then return self.conn:query(sql, params) end
  return self.conn:exec(sql)
end

function Online:query(sql, params)
  return self.conn:query(sql, params)
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
  local self = setmetatable({ cfg = opts.cfg, log = opts.log or function() end }, Migrator)
  if opts.conn then
    self.target = setmetatable({ conn = opts.conn }, Online)
  else
    self.target = setmetatable({ out = opts.out or io.stdout, transaction_open = false }, Offline)
  end
  self.target.migrator = self
  self.conn = opts.conn
  return self
end

function Migrator:exec(sql, params)
  return self.target:execute(sql, params)
end

function Migrator:version_table()
  return self.cfg.version_table, self.cfg.version_table_schema
end

-- Waits for the session advisory lock by polling pg_try_advisory_lock from
-- outside any transaction: a runner blocked in pg_advisory_lock would hold
-- a snapshot and deadlock another runner's CREATE INDEX CONCURRENTLY.
function Migrator:lock(timeout)
  if self.target.offline then return end
  local name = ddl.qualified(self:version_table())
  local sql = "SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS locked"
  local started, delay, said = core.clock(), 0.02, false
  while not self.conn:query(sql, { LOCK_CLASS, name })[1].locked do
    if not said then
      self.log("waiting for another luamig run to release its lock on " .. name)
      said = true
    end
    if timeout and core.clock() - started + delay > timeout then
      error(("gave up waiting for the migration lock on %s after %g s (--lock-timeout)"):format(name, timeout), 0)
    end
    if core.interrupted() then error("interrupted while waiting for the migration lock", 0) end
    core.sleep(delay * (0.5 + math.random()))
    delay = math.min(delay * 2, 1)
  end
  self.locked = name
end

function Migrator:unlock()
  if self.locked and self.conn:is_ok() then
    self.conn:query("SELECT pg_advisory_unlock($1::int, hashtext($2))", { LOCK_CLASS, self.locked })
  end
  self.locked = nil
end

-- The version rows, or {} when the table does not exist yet.
function Migrator:current_heads()
  if self.target.offline then return {} end
  local sql, params = ddl.table_exists_query(self:version_table())
  if not self.conn:query(sql, params)[1].present then return {} end
  local heads = {}
  for i, row in ipairs(self.conn:exec(ddl.select_versions(self:version_table()))) do
    heads[i] = row.version_num
  end
  table.sort(heads)
  return heads
end

function Migrator:ensure_version_table()
  if self.version_table_ready then return end
  if self.target.offline or #self:current_heads() == 0 then
    self:exec(ddl.create_version_table(self:version_table()))
  end
  self.version_table_ready = true
end

function Migrator:apply_version_ops(ops)
  local name, schema = self:version_table()
  for _, change in ipairs(ops) do
    self:exec(ddl.version_change(name, schema, change))
  end
end

-------------------------------------------------------------- transactions

function Migrator:begin()
  self:exec("BEGIN")
  self.target.transaction_open = true
end

function Migrator:commit()
  self:exec("COMMIT")
  self.target.transaction_open = false
end

-- After a failure: roll back if a transaction is open; a lost connection
-- has rolled back on the server already.
function Migrator:rollback()
  self.target.transaction_open = false
  if self.conn and self.conn:is_ok() and self.conn:transaction_status() ~= "idle" then
    pcall(self.conn.exec, self.conn, "ROLLBACK")
  end
end

------------------------------------------------------------------ steps

-- The line of `path` the error was raised from: the innermost frame of the
-- revision file on the stack.
local function revision_line(path)
  local source = "@" .. path
  for level = 2, 60 do
    local info = debug.getinfo(level, "Sl")
    if info == nil then break end
    if info.source == source and info.currentline > 0 then return info.currentline end
  end
  return nil
end

-- Runs fn(op) for one step with op bound; any error becomes a revision
-- error naming the step's revision, file and line.
local function direction_name(step)
  return step.direction == "down" and "downgrade" or "upgrade"
end

-- The revision file's table behind a graph node.
local function source_of(node)
  return node.source or node
end

function Migrator:call_revision(step)
  local node = step.node
  local direction = direction_name(step)
  local fn = source_of(node)[direction]
  local line
  luamig.set_context({ x = self.cfg.x or {}, revision = node.revision, direction = direction,
                       db = self.conn, offline = self.target.offline == true })
  op.bind(self.target)
  local ok, err = xpcall(fn, function(e)
    line = revision_line(node.path)
    return e
  end, op)
  op.unbind()
  if not ok then
    if core.interrupted() then
      err = ("interrupted by %s; the revision was rolled back"):format(core.interrupted())
    end
    error(errors.revision_error(node, direction, err, line), 0)
  end
end

local function describe_step(step)
  local from = table.concat(step.from or {}, ", ")
  local to = table.concat(step.to or {}, ", ")
  local msg = step.node.message
  return ("Running %s %s -> %s%s"):format(direction_name(step), from, to,
    (msg and msg ~= "") and (", " .. msg) or "")
end

-- Runs the steps in order. Each step's body and its version-table change
-- share one transaction (or the whole run shares one when
-- transaction_per_migration is false); a revision with transaction = false
-- runs outside any. A failure rolls back what is uncommitted and raises.
function Migrator:run(steps)
  local per_step = self.cfg.transaction_per_migration ~= false
  local target = self.target
  local function run_step(step)
    local transactional = source_of(step.node).transaction ~= false
    if not transactional and target.transaction_open then self:commit() end
    if transactional and not target.transaction_open then self:begin() end
    self:call_revision(step)
    if not target.transaction_open then self:begin() end
    self:apply_version_ops(step.version_ops)
    if per_step then self:commit() end
  end
  local ok, err = pcall(function()
    if not per_step and #steps > 0 then self:begin() end
    self:ensure_version_table()
    for _, step in ipairs(steps) do
      local started = core.clock()
      target:write_comment(describe_step(step))
      run_step(step)
      self.log(("%s (%.0f ms)"):format(describe_step(step), (core.clock() - started) * 1000))
    end
    if target.transaction_open then self:commit() end
  end)
  if not ok then
    self:rollback()
    error(err, 0)
  end
end

function Online.write_comment() end

function Offline:write_comment(text)
  self.out:write("-- ", text, "\n\n")
end

-- Replaces the version rows (stamp): ops from revmap, in one transaction.
function Migrator:stamp(ops, purge)
  local ok, err = pcall(function()
    self:begin()
    self:ensure_version_table()
    if purge then self:exec(ddl.delete_all_versions(self:version_table())) end
    self:apply_version_ops(ops)
    self:commit()
  end)
  if not ok then
    self:rollback()
    error(err, 0)
  end
end

return M
