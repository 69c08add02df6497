-- Dropping a column loses its data for good and breaks the clients that
-- still select or insert it.
local tree = require("luamig.lint.tree")

return {
  name = "ban-drop-column",
  level = "warning",
  kinds = { "AlterTableStmt" },
  check = function(stmt)
    local found = {}
    for _, cmd in ipairs(tree.alter_commands(stmt.body)) do
      if cmd.subtype == "AT_DropColumn" then
        found[#found + 1] = {
          message = ("dropping column %s of %s loses its data and breaks the clients that still use it")
            :format(cmd.name, tree.relation_name(stmt.body.relation)),
          hint = "deploy code that no longer uses the column first, then drop it in a later revision (lint_ignore = { \"ban-drop-column\" })",
        }
      end
    end
    return found
  end,
}
