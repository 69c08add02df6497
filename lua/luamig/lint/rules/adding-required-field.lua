-- ADD COLUMN ... NOT NULL without a DEFAULT fails (23502) on a table that
-- has any row: it is safe only on a table created earlier in the run,
-- whatever the table's size.
local tree = require("luamig.lint.tree")

local function required(coldef)
  local not_null, default = false, false
  for _, c in ipairs(tree.column_constraints(coldef)) do
    if c.contype == "CONSTR_NOTNULL" or c.contype == "CONSTR_PRIMARY" then not_null = true end
    if c.contype == "CONSTR_DEFAULT" or c.contype == "CONSTR_GENERATED" or c.contype == "CONSTR_IDENTITY" then default = true end
  end
  local t = coldef.typeName and tree.dotted(coldef.typeName.names) or ""
  return not_null and not default and not t:find("serial$")
end

return {
  name = "adding-required-field",
  level = "error",
  kinds = { "AlterTableStmt" },
  check = function(stmt)
    local found = {}
    for _, cmd in ipairs(tree.alter_commands(stmt.body)) do
      local coldef = cmd.subtype == "AT_AddColumn" and tree.as(cmd.def, "ColumnDef")
      if coldef and required(coldef) then
        found[#found + 1] = {
          table = stmt.body.relation, small_too = true,
          message = ("adding column %s NOT NULL without a default fails on a table that has rows"):format(coldef.colname),
          hint = "add it with a constant default (instant from PostgreSQL 11), or nullable, backfill it (op.backfill), then make it NOT NULL",
        }
      end
    end
    return found
  end,
}
