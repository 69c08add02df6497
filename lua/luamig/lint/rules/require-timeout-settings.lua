-- DDL waits for its lock; while it waits, every query on the table queues
-- behind it. lock_timeout makes it give up instead (and the run fail
-- cleanly) when a long transaction holds the table. luamig's config key
-- lock_timeout sets it for the whole run; SET lock_timeout in the
-- revision before the DDL does too. statement_timeout is not required:
-- it would also cancel a long but harmless CREATE INDEX CONCURRENTLY.
local LOCKING = { AlterTableStmt = true, IndexStmt = true, DropStmt = true, RenameStmt = true,
                  TruncateStmt = true, ClusterStmt = true, ReindexStmt = true }

local TIMEOUT_SET = "lock-timeout-set"

return {
  name = "require-timeout-settings",
  level = "warning",
  once = true,
  kinds = { "VariableSetStmt", "AlterTableStmt", "IndexStmt", "DropStmt", "RenameStmt", "TruncateStmt",
            "ClusterStmt", "ReindexStmt" },
  check = function(stmt, ctx)
    if stmt.kind == "VariableSetStmt" then
      if stmt.body.name == "lock_timeout" then ctx.revision_state[TIMEOUT_SET] = true end
      return nil
    end
    if ctx.cfg.lock_timeout ~= nil or ctx.revision_state[TIMEOUT_SET] or not LOCKING[stmt.kind] then return nil end
    if stmt.body.concurrent then return nil end
    return {
      table = stmt.body.relation,
      message = "DDL without lock_timeout waits for its lock as long as it takes, and every query on the table waits behind it",
      hint = "set lock_timeout = \"1s\" in luamig.lua (the whole run), or op.execute(\"SET lock_timeout = '1s'\") first in the revision",
    }
  end,
}
