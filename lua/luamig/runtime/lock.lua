-- The migration lock: a session advisory lock keyed by the version table,
-- so that two runs on one database take turns. Every statement naming the
-- lock goes through here, with its one fixed class.
local core = require("luamig.core")
local ddl = require("luamig.ddl")
local errors = require("luamig.errors")

local M = {}

-- A fixed first key for pg_try_advisory_lock(int, int): "lmig".
local LOCK_CLASS = 0x6c6d6967

-- Polls until the lock on key is ours, saying once that it waits; with a
-- timeout it tries a last time at the deadline, not before.
local function wait_for(conn, key, label, timeout, log)
  local deadline = timeout and core.clock() + timeout
  local delay, said = 0.02, false
  while not conn:query(ddl.try_lock_query(LOCK_CLASS, key))[1].locked do
    if not said then
      log("waiting for another luamig run to release its lock on " .. label)
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
end

-- Takes the lock and returns its key. prepare() checks what must hold
-- first and returns the key and the lock's name for messages; a signal
-- in it or while waiting is reported as one. The lock is waited for by
-- polling pg_try_advisory_lock from outside any transaction: a runner
-- blocked in pg_advisory_lock would hold a snapshot and deadlock another
-- runner's CREATE INDEX CONCURRENTLY.
function M.acquire(conn, timeout, log, prepare)
  local key, label
  local ok, err = pcall(function()
    key, label = prepare()
    wait_for(conn, key, label, timeout, log)
  end)
  -- the interrupt hook raises with the position of our code; say it plainly
  if not ok and core.interrupted() then
    error(("interrupted by %s while waiting for the migration lock%s")
      :format(core.interrupted(), label and (" on " .. label) or ""), 0)
  end
  if not ok then error(err, 0) end
  return key
end

function M.release(conn, key)
  conn:query(ddl.unlock_query(LOCK_CLASS, key))
end

-- The statement that fails unless this session still holds the lock on key.
function M.held_statement(key)
  return { ddl.holds_lock(LOCK_CLASS, key) }
end

-- Whether err is the server's report that the lock is no longer held (a
-- revision released it), raised by held_statement's check.
function M.was_lost(err)
  return errors.is_db_error(err) and ddl.is_lock_lost(err)
end

-- The statement serialising the creation of the version and history tables.
function M.bookkeeping_statement()
  return { ddl.bookkeeping_lock(LOCK_CLASS, "luamig bookkeeping tables") }
end

return M
