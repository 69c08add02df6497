-- Clients (and the code that reads the column) rely on the column never
-- being NULL; dropping NOT NULL lets NULLs in under them.
local tree = require("luamig.lint.tree")

return {
  name = "ban-drop-not-null",
  level = "warning",
  kinds = { "AlterTableStmt" },
  check = function(stmt)
    local found = {}
    for _, cmd in ipairs(tree.alter_commands(stmt.body)) do
      if cmd.subtype == "AT_DropNotNull" then
        found[#found + 1] = {
          message = ("DROP NOT NULL on column %s of %s lets NULLs in under the clients that rely on it")
            :format(cmd.name, tree.relation_name(stmt.body.relation)),
          hint = "deploy code that copes with NULL first (lint_ignore = { \"ban-drop-not-null\" } when it does)",
        }
      end
    end
    return found
  end,
}
