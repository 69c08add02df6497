-- DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the
-- index's table: it waits behind every query on it, and they behind it.
local tree = require("luamig.lint.tree")

return {
  name = "require-concurrent-index-deletion",
  level = "warning",
  kinds = { "DropStmt" },
  check = function(stmt)
    local body = stmt.body
    if body.removeType ~= "OBJECT_INDEX" or body.concurrent then return nil end
    local found = {}
    for _, object in ipairs(body.objects or {}) do
      local list = tree.as(object, "List")
      found[#found + 1] = {
        table = tree.qualified_name(list and list.items),
        message = "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table",
        hint = "op.drop_index(name, { concurrently = true }) in a revision with transaction = false "
          .. "or inside op.autocommit(function() ... end)",
      }
    end
    return found
  end,
}
