-- DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table:
-- every query on every partition waits. DETACH ... CONCURRENTLY
-- (PostgreSQL 14) takes only SHARE UPDATE EXCLUSIVE.
local tree = require("luamig.lint.tree")

return {
  name = "require-concurrent-partition-detach",
  level = "error",
  kinds = { "AlterTableStmt" },
  check = function(stmt, ctx)
    local found = {}
    for _, cmd in ipairs(tree.alter_commands(stmt.body)) do
      local p = cmd.subtype == "AT_DetachPartition" and tree.as(cmd.def, "PartitionCmd")
      if p and not p.concurrent then
        found[#found + 1] = {
          table = stmt.body.relation,
          message = ("detaching partition %s takes an ACCESS EXCLUSIVE lock on %s, which blocks every query on every partition")
            :format(tree.relation_name(p.name), tree.relation_name(stmt.body.relation)),
          hint = ctx.server_version >= 140000
            and "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY in a revision with transaction = false or inside op.autocommit(function() ... end)"
            or "DETACH PARTITION CONCURRENTLY needs PostgreSQL 14; run it with lock_timeout set and retry",
        }
      end
    end
    return found
  end,
}
