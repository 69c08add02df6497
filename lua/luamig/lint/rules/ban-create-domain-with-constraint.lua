-- A domain's CHECK is checked on every column of the domain: changing it
-- later (ALTER DOMAIN ADD CONSTRAINT, VALIDATE) scans every table that
-- uses the domain under locks that block writes; a table's own CHECK can
-- be replaced NOT VALID and validated without blocking them.
return {
  name = "ban-create-domain-with-constraint",
  level = "warning",
  kinds = { "CreateDomainStmt" },
  check = function(stmt)
    for _, c in ipairs(stmt.body.constraints or {}) do
      if c.Constraint and c.Constraint.contype == "CONSTR_CHECK" then
        return {
          message = "a CHECK on a domain can only be changed later by scanning every table that uses the domain while blocking writes to it",
          hint = "create the domain without the CHECK and put a CHECK constraint on each table's column instead",
        }
      end
    end
    return nil
  end,
}
