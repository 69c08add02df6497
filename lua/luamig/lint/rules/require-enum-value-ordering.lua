-- ALTER TYPE ... ADD VALUE without BEFORE or AFTER puts the value last:
-- enums sort (ORDER BY, <, max) in their declared order, so where it
-- lands is a decision the revision should state.
local tree = require("luamig.lint.tree")

return {
  name = "require-enum-value-ordering",
  level = "warning",
  kinds = { "AlterEnumStmt" },
  check = function(stmt)
    local body = stmt.body
    if not body.newVal or body.oldVal or body.newValNeighbor then return nil end
    return {
      message = ("ADD VALUE %q to %s without BEFORE or AFTER puts it last, and enums sort in their declared order")
        :format(body.newVal, tree.dotted(body.typeName)),
      hint = "say where it goes: op.add_enum_value(name, value, { after = \"...\" }) or { before = \"...\" }",
    }
  end,
}
