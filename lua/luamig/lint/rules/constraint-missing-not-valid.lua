-- ADD CONSTRAINT ... CHECK validates every row while holding an ACCESS
-- EXCLUSIVE lock; NOT VALID adds it at once (new rows are checked), and a
-- later VALIDATE CONSTRAINT scans under a lock that lets writes through.
-- Foreign keys are adding-foreign-key-constraint's.
local tree = require("luamig.lint.tree")

return {
  name = "constraint-missing-not-valid",
  level = "error",
  kinds = { "AlterTableStmt" },
  check = function(stmt)
    local found = {}
    for _, c in ipairs(tree.validated_constraints(stmt.body, "CONSTR_CHECK")) do
      found[#found + 1] = {
        table = stmt.body.relation,
        message = ("adding CHECK constraint %s without NOT VALID scans the whole table while holding an ACCESS EXCLUSIVE lock")
          :format(c.conname or "(unnamed)"),
        hint = "op.create_check_constraint(name, table, expr, { not_valid = true }), then "
          .. "ALTER TABLE ... VALIDATE CONSTRAINT name in a later revision (or after a COMMIT)",
      }
    end
    return found
  end,
}
