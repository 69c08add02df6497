-- Dropping a table loses its data for good and breaks the clients that
-- still use it.
local tree = require("luamig.lint.tree")

return {
  name = "ban-drop-table",
  level = "warning",
  kinds = { "DropStmt" },
  check = function(stmt)
    if stmt.body.removeType ~= "OBJECT_TABLE" then return nil end
    local found = {}
    for _, object in ipairs(stmt.body.objects or {}) do
      local list = tree.as(object, "List")
      found[#found + 1] = {
        message = ("dropping table %s loses its data and breaks the clients that still use it")
          :format(tree.relation_name(tree.qualified_name(list and list.items))),
        hint = "deploy code that no longer uses the table first, then drop it in a later revision (lint_ignore = { \"ban-drop-table\" })",
      }
    end
    return found
  end,
}
