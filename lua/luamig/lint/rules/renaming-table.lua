-- The application still running during and after the deploy reads the old
-- name: every query that names the table fails until the new code is out.
local tree = require("luamig.lint.tree")

return {
  name = "renaming-table",
  level = "warning",
  kinds = { "RenameStmt" },
  check = function(stmt)
    local body = stmt.body
    if body.renameType ~= "OBJECT_TABLE" then return nil end
    return {
      message = ("renaming table %s to %s breaks the clients that still use the old name")
        :format(tree.relation_name(body.relation), body.newname),
      hint = "create the new table (or a view with the new name over the old one), move the clients, then drop the old name in a later revision",
    }
  end,
}
