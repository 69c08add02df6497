-- ALTER COLUMN ... SET NOT NULL scans the whole table under an ACCESS
-- EXCLUSIVE lock, unless a validated CHECK (col IS NOT NULL) already
-- proves it (PostgreSQL 12 and newer).
local tree = require("luamig.lint.tree")

return {
  name = "adding-not-nullable-field",
  level = "error",
  kinds = { "AlterTableStmt" },
  check = function(stmt)
    local found = {}
    for _, cmd in ipairs(tree.alter_commands(stmt.body)) do
      if cmd.subtype == "AT_SetNotNull" then
        found[#found + 1] = {
          table = stmt.body.relation,
          message = ("SET NOT NULL on column %s scans the whole table while holding an ACCESS EXCLUSIVE lock"):format(cmd.name),
          hint = ("op.create_check_constraint(name, table, %q, { not_valid = true }), then in a later revision "
            .. "VALIDATE CONSTRAINT, then SET NOT NULL (the validated check spares the scan) and drop the check")
            :format(cmd.name .. " IS NOT NULL"),
        }
      end
    end
    return found
  end,
}
