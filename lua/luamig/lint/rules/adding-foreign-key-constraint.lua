-- ADD FOREIGN KEY checks every row against the referenced table while
-- holding SHARE ROW EXCLUSIVE locks on both: writes to either wait for
-- the scan. NOT VALID adds it at once; VALIDATE CONSTRAINT later scans
-- without blocking writes.
local tree = require("luamig.lint.tree")

return {
  name = "adding-foreign-key-constraint",
  level = "error",
  kinds = { "AlterTableStmt" },
  check = function(stmt)
    local found = {}
    for _, c in ipairs(tree.validated_constraints(stmt.body, "CONSTR_FOREIGN")) do
      found[#found + 1] = {
        table = stmt.body.relation,
        message = ("adding foreign key %s without NOT VALID scans the table while blocking writes to it and to %s")
          :format(c.conname or "(unnamed)", c.pktable and tree.relation_name(c.pktable) or "the referenced table"),
        hint = "op.create_foreign_key(name, source, referent, local_cols, remote_cols, { not_valid = true }), then "
          .. "ALTER TABLE ... VALIDATE CONSTRAINT name in a later revision (or after a COMMIT)",
      }
    end
    return found
  end,
}
