-- ALTER TYPE ... ADD VALUE: the new value cannot be used until the
-- transaction that added it commits (55P04 "unsafe use of new value"), and
-- before PostgreSQL 12 ADD VALUE cannot run in a transaction at all.
local tree = require("luamig.lint.tree")

local ADDED = "enum-values-added"

-- whether a string constant in node is value
local function uses(node, value)
  if type(node) ~= "table" then return false end
  local c = node.A_Const
  if c and c.sval and c.sval.sval == value then return true end
  for _, v in pairs(node) do
    if uses(v, value) then return true end
  end
  return false
end

local HINT = "add the value in a revision of its own, or inside op.autocommit(function() ... end), before the revision that uses it"

return {
  name = "ban-new-enum-value-in-transaction",
  level = "error",
  kinds = { "AlterEnumStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "SelectStmt", "AlterTableStmt", "CreateStmt",
            "IndexStmt", "ViewStmt" },
  check = function(stmt, ctx)
    if not stmt.in_transaction then return nil end
    local added = ctx.revision_state[ADDED] or {}
    ctx.revision_state[ADDED] = added
    if stmt.kind == "AlterEnumStmt" then
      if not stmt.body.newVal or stmt.body.oldVal then return nil end
      if ctx.server_version < 120000 then
        return { hint = HINT, message = "ALTER TYPE ... ADD VALUE cannot run inside a transaction block before PostgreSQL 12" }
      end
      added[stmt.body.newVal] = tree.dotted(stmt.body.typeName)
      return nil
    end
    for value, type_name in pairs(added) do
      if uses(stmt.body, value) then
        return { hint = HINT, message = ("uses %q, which ALTER TYPE %s ADD VALUE added in the same transaction: "
          .. "PostgreSQL refuses it until that commits"):format(value, type_name) }
      end
    end
    return nil
  end,
}
