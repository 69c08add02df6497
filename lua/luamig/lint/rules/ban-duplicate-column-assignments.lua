-- UPDATE ... SET a = 1, a = 2 (or INSERT (a, a)): PostgreSQL refuses it
-- (42601 multiple assignments to same column), so the revision fails on
-- every database.
local tree = require("luamig.lint.tree")

local function columns_of(stmt)
  return stmt.kind == "UpdateStmt" and stmt.body.targetList or stmt.body.cols
end

return {
  name = "ban-duplicate-column-assignments",
  level = "error",
  kinds = { "UpdateStmt", "InsertStmt" },
  check = function(stmt)
    local seen, found = {}, {}
    for _, target in ipairs(columns_of(stmt) or {}) do
      local name = (tree.as(target, "ResTarget") or {}).name
      if name and seen[name] == 1 then
        found[#found + 1] = {
          message = ("column %s is assigned more than once: PostgreSQL refuses the statement"):format(name),
          hint = "assign each column once",
        }
      end
      if name then seen[name] = (seen[name] or 0) + 1 end
    end
    return found
  end,
}
