-- What a failure or a signal leaves behind, told to the user: what stays
-- applied, what was rolled back, what to check. Only the words; the
-- migrator knows the state and passes it in.
local core = require("luamig.core")
local ddl = require("luamig.ddl")
local errors = require("luamig.errors")
local lock = require("luamig.runtime.lock")

local M = {}

-- What a released migration lock means, however it is found out.
local LOCK_RELEASED = "another run may have run revisions at the same time"

local ENDED_TRANSACTION = "the revision ended the runner's transaction (COMMIT or ROLLBACK in op.execute); "
  .. "what it ran is committed as far as it got and the version table was not updated; "
  .. "check the database, and use transaction = false or op.autocommit for work that must commit"

-- "1 revision", "3 revisions"
local function revisions(n)
  return n == 1 and "1 revision" or (n .. " revisions")
end

-- The failure of a revision that ended the runner's transaction (then
-- failing with err, when given).
function M.ended_transaction(node, direction, err, line)
  if err == nil then return errors.revision_error(node, direction, ENDED_TRANSACTION) end
  return errors.revision_error(node, direction, err, line, ENDED_TRANSACTION .. "; then it failed: ")
end

-- What a failure of the running revision leaves behind: offline, a script
-- cut short; online, a rollback when its work is all uncommitted.
function M.undo(offline, uncommitted)
  if offline then return "the SQL script written so far is incomplete: it ends inside this revision" end
  if uncommitted then return "the revision was rolled back" end
  return "the revision runs outside a transaction (transaction = false or op.autocommit): "
    .. "the statements it ran stay applied and the version table was not updated; check them before running it again"
end

-- What a signal that stopped the running step leaves behind; in an
-- op.backfill, how far it got (backfill_note) and that a rerun continues.
function M.interruption(undo, backfill_note)
  if backfill_note then
    return ("interrupted by %s during %s; the batch in flight was rolled back and a rerun continues after that key")
      :format(core.interrupted(), backfill_note)
  end
  return ("interrupted by %s; %s"):format(core.interrupted(), undo)
end

-- A revision that caught an SQL error and went on.
function M.aborted_transaction(undo)
  return "an SQL error in the revision was caught (pcall) and the transaction is aborted; " .. undo
end

-- A failure recording a step (err), naming its revision (or stamp: node
-- without a revision) and, when a version change matched no row, that
-- row. label names the version table; undo is what a revision's failure
-- leaves (M.undo).
function M.record_failure(node, direction, err, label, undo)
  local missing = errors.is_db_error(err) and ddl.missing_version_row(err)
  local kept = node.revision and undo or "nothing was changed"
  if lock.was_lost(err) then
    err = ("the revision released luamig's migration lock on %s (pg_advisory_unlock_all or DISCARD ALL): %s; %s")
      :format(label, LOCK_RELEASED, kept)
  elseif missing then
    err = ("the version table %s has no row %s to change (it was changed during the run); %s"):format(label, missing, kept)
  end
  if node.revision == nil then return "stamp: " .. errors.describe(err) end
  return errors.revision_error(node, direction, err)
end

-- The lock found released when committing (label names the version table).
function M.lock_lost_at_commit(label)
  return ("the migration lock on %s was released during the run (pg_advisory_unlock_all or DISCARD ALL in a revision): "
    .. "%s; the run's transaction was rolled back"):format(label, LOCK_RELEASED)
end

-- The n steps recorded in the run's one transaction that a failure took with it.
function M.rolled_back_too(n)
  return ("%s applied before it in the run's transaction %s rolled back too "
    .. "(transaction_per_migration = false)"):format(revisions(n), n == 1 and "was" or "were")
end

-- What a signal that stopped the command outside any revision leaves
-- behind, of the recorded steps, rolled_back of them lost: `none` (e.g.
-- "nothing was applied") before a step was recorded, `done` (when given)
-- after.
function M.stopped(recorded, rolled_back, none, done)
  local kept, lost = recorded - rolled_back, rolled_back
  if recorded == 0 or (done and kept == 0) then return none end
  if done then return done end
  local said = {}
  if kept > 0 then said[1] = ("the %s applied before it stay%s applied"):format(revisions(kept), kept == 1 and "s" or "") end
  if lost > 0 then
    said[#said + 1] = ("the %s applied in the run's transaction %s rolled back (transaction_per_migration = false)")
      :format(revisions(lost), lost == 1 and "was" or "were")
  end
  return table.concat(said, "; ")
end

return M
