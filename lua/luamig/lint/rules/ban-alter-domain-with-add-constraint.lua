-- ALTER DOMAIN ... ADD CONSTRAINT checks every column of the domain in
-- every table, and VALIDATE CONSTRAINT does the same holding SHARE locks
-- (no writes) on those tables. ADD ... NOT VALID alone is instant: new
-- values are checked, the old ones are not.
local tree = require("luamig.lint.tree")

return {
  name = "ban-alter-domain-with-add-constraint",
  level = "error",
  kinds = { "AlterDomainStmt" },
  check = function(stmt)
    local body = stmt.body
    local c = tree.as(body.def, "Constraint")
    local domain = tree.dotted(body.typeName)
    local hint = "put a CHECK constraint on each table's column instead: op.create_check_constraint(name, table, expr, "
      .. "{ not_valid = true }), then VALIDATE CONSTRAINT, which lets writes through"
    if body.subtype == "C" and c and c.contype == "CONSTR_CHECK" and not c.skip_validation then
      return { hint = hint, message = ("adding a constraint to domain %s scans every column of the domain in every table, "
        .. "blocking writes to them"):format(domain) }
    elseif body.subtype == "V" then
      return { hint = hint, message = ("validating a constraint of domain %s scans every table that uses the domain "
        .. "while holding SHARE locks, which block writes"):format(domain) }
    end
    return nil
  end,
}
