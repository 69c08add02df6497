-- The Migrator: runs planned steps (revmap's) in transactions, records
-- each in the version and history tables, and stamps; a failure rolls
-- back what is uncommitted and says what stays.
local core = require("luamig.core")
local ddl = require("luamig.ddl")
local op = require("luamig.op")
local errors = require("luamig.errors")
local luamig = require("luamig")
local session = require("luamig.runtime.session")
local lock = require("luamig.runtime.lock")
local targets = require("luamig.runtime.targets")
local bookkeeping = require("luamig.runtime.bookkeeping")
local outcomes = require("luamig.runtime.outcomes")

local M = {}

local DIRECTION_NAMES = { up = "upgrade", down = "downgrade", stamp = "stamp_revision" }

local function direction_name(step)
  return DIRECTION_NAMES[step.direction] or "upgrade"
end

-- The revision file's table behind a step (its revmap step carries it;
-- a step made by hand may give the node only).
local function source_of(step)
  return step.source or step.node
end

local Migrator = {}
Migrator.__index = Migrator

-- opts: { cfg, conn (nil for offline), out (offline), target (instead of
-- either: lint's recorder), log = function(line), console = what shows the
-- steps and progress (luamig.console; default: each step's Running line
-- through log, no progress) }
function M.new(opts)
  local log = opts.log or function() end
  local self = setmetatable({ cfg = opts.cfg, log = log, commits = 0,
                              console = opts.console or { step_began = function(_, line) log(line) end,
                                                          step_ended = function() end },
                              steps_uncommitted = 0, steps_recorded = 0, steps_rolled_back = 0 }, Migrator)
  self.target = opts.target or (opts.conn and targets.online(opts.conn) or targets.offline(opts.out or io.stdout))
  self.target.migrator = self
  self.conn = opts.conn
  self.db = opts.conn and targets.db_handle(opts.conn)
  self.books = bookkeeping.new(opts.cfg, opts.conn, self.target)
  return self
end

function Migrator:exec(sql, params)
  return self.target:execute(sql, params)
end

-- The version rows, or {} when the table does not exist yet.
function Migrator:current_heads()
  return self.books:current_heads()
end

-- Applied revisions whose file changed since they last ran: { {revision, path} }.
function Migrator:drift(map, applied)
  return self.books:drift(map, applied)
end

-- The progress rows of op.backfill runs whose revision is not recorded yet.
function Migrator:backfills()
  return self.books:backfills()
end

------------------------------------------------------------------ the lock

-- Takes the migration lock on the version table (online), after making
-- sure the session is ours alone.
function Migrator:lock(timeout)
  if self.target.offline then return end
  self.locked = lock.acquire(self.conn, timeout, self.log, function()
    session.check_kept(self.conn, self.cfg.url)
    return ddl.qualified(self.books:version_table()), self.books:version_label()
  end)
end

function Migrator:unlock()
  if self.locked and self.conn:is_ok() then lock.release(self.conn, self.locked) end
  self.locked = nil
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
  if self.locked and not self.target.offline then stmts[1] = lock.held_statement(self.locked) end
  stmts[#stmts + 1] = { ddl.COMMIT }
  return stmts
end

function Migrator:commit()
  local ok, err = pcall(self.target.execute_all, self.target, self:commit_statements())
  if not ok then
    if lock.was_lost(err) then
      self.locked = nil  -- nothing to unlock
      err = outcomes.lock_lost_at_commit(self.books:version_label())
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

-- Whether the running revision's work is all in the runner's open
-- transaction: it began there and committed nothing since
-- (transaction = false, op.autocommit commit).
function Migrator:revision_uncommitted()
  local began = self.revision_began
  return began.in_transaction and began.commits == self.commits
end

-- What a failure of the running revision leaves behind.
function Migrator:undo_outcome()
  return outcomes.undo(self.target.offline, self:revision_uncommitted())
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

-- The failure of a revision that ended the runner's transaction; the steps
-- recorded in that transaction went with its COMMIT or ROLLBACK,
-- whichever it was.
function Migrator:ended_transaction_error(node, direction, err, line)
  self.steps_uncommitted = 0
  return outcomes.ended_transaction(node, direction, err, line)
end

----------------------------------------------------------------- recording

-- The statements recording a step: its version-table changes and (when a
-- revision ran) its history row.
function Migrator:record_statements(step, direction, seconds)
  local node, history_row = step.node, nil
  if node.revision ~= nil then
    -- offline, the time taken is psql's, not known here: 0
    local ms = self.target.offline and 0 or seconds * 1000
    history_row = { node.revision, direction, ms, source_of(step).checksum, node.message, n = 5 }
  end
  return self.books:record_statements(step.version_ops, history_row, self.transaction_id)
end

-- A failure recording a step, naming its revision (or stamp).
function Migrator:record_error(step, direction, err)
  local node = step.node
  if node.revision and errors.is_db_error(err) and ddl.is_other_transaction(err) then
    return self:ended_transaction_error(node, direction)
  end
  return outcomes.record_failure(node, direction, err, self.books:version_label(),
    node.revision and self:undo_outcome())
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
    if lock.was_lost(err) then self.locked = nil end  -- nothing to unlock
    error(message, 0)
  end
  self.steps_uncommitted = commit and 0 or self.steps_uncommitted + 1
  self.steps_recorded = self.steps_recorded + 1
  if commit then self.target.transaction_open = false end
end

--------------------------------------------------------------------- steps

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
  self.target.backfill_note = nil
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
    if core.interrupted() then err = outcomes.interruption(self:undo_outcome(), self.target.backfill_note) end
    error(errors.revision_error(node, direction, err, line), 0)
  end
  if self.conn and self.conn:transaction_status() == "inerror" then
    error(errors.revision_error(node, direction, outcomes.aborted_transaction(self:undo_outcome())), 0)
  end
end

-- "upgrade a -> b": what a step does.
local function step_name(step)
  return ("%s %s -> %s"):format(direction_name(step), table.concat(step.from or {}, ", "),
    table.concat(step.to or {}, ", "))
end

-- "Running upgrade a -> b, message", as Alembic logs a step; short (for
-- the --sql comment, as Alembic writes it) without the message.
local function describe_step(step, short)
  local msg = not short and step.node and step.node.message
  return ("Running %s%s"):format(step_name(step), (msg and msg ~= "") and (", " .. msg) or "")
end

-- A running revision's progress (op.progress, op.rows, op.bulk_insert):
-- done rows of total (nil: unknown) under label.
function Migrator:progress(done, total, label)
  if self.console.progress then self.console:progress(done, total, label) end
end

-- Runs fn(); on failure rolls back what is uncommitted and re-raises.
function Migrator:guarded(fn)
  local ok, err = pcall(fn)
  if not ok then
    self:rollback()
    -- with one transaction for the run, the steps recorded in it are gone too
    local n = self.steps_uncommitted
    if n > 0 and errors.is_revision_error(err) then err.also = outcomes.rolled_back_too(n) end
    self.steps_rolled_back = self.steps_rolled_back + n
    self.steps_uncommitted = 0
    error(err, 0)
  end
end

-- What a signal that stopped the command outside any revision leaves
-- behind: `none` (e.g. "nothing was applied") before a step was recorded,
-- `done` (when given) after.
function Migrator:stopped_outcome(none, done)
  return outcomes.stopped(self.steps_recorded, self.steps_rolled_back, none, done)
end

-- Runs one step in the transaction run() arranged (or outside any, for a
-- revision with transaction = false) and records it; returns its seconds.
function Migrator:run_step(step, per_step)
  local target = self.target
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
    err = errors.revision_error(step.node, direction_name(step), outcomes.interruption(self:undo_outcome()))
  end
  if not ok then error(err, 0) end
  return seconds
end

-- Runs the steps in order. Each step's body and its version-table change
-- share one transaction (or the whole run shares one when
-- transaction_per_migration is false); a revision with transaction = false
-- runs outside any. A failure rolls back what is uncommitted and raises.
function Migrator:run(steps)
  local per_step = self.cfg.transaction_per_migration ~= false
  local target = self.target
  self:guarded(function()
    local settings = session.settings_statement(self.cfg)
    if settings then self:exec(settings) end
    if not per_step and #steps > 0 then self:begin() end
    self.books:ensure()
    for _, step in ipairs(steps) do
      target:write_comment(describe_step(step, true))
      -- before the step's first statement, as Alembic logs it, and its
      -- time when it ends; offline, a whole line (the script goes to
      -- stdout meanwhile) and no time (psql's is not known here)
      if target.offline then self.log(describe_step(step)) else self.console:step_began(describe_step(step)) end
      local seconds = self:run_step(step, per_step)
      if not target.offline then self.console:step_ended(step_name(step), seconds) end
    end
    if target.transaction_open then self:commit() end
  end)
end

-- Replaces the version rows (stamp): revmap's stamp steps, each logged as
-- Alembic logs it, all in one transaction (so that a failure, --purge's
-- included, leaves the table as it was).
function Migrator:stamp(steps, purge)
  self:guarded(function()
    self:begin()
    self.books:ensure()
    if purge then self:exec(self.books:purge_statement()) end
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
