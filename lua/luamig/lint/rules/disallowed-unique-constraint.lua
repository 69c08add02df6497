-- ADD CONSTRAINT ... UNIQUE (or a column added UNIQUE) builds its index
-- while holding an ACCESS EXCLUSIVE lock: no reads or writes until done.
-- UNIQUE USING INDEX adopts an index built CONCURRENTLY, at once.
local columns = require("luamig.lint.columns")

return {
  name = "disallowed-unique-constraint",
  level = "error",
  kinds = { "AlterTableStmt" },
  check = function(stmt)
    local found = {}
    for _, added in ipairs(columns.constraints_added(stmt.body)) do
      local c = added.constraint
      if c.contype == "CONSTR_UNIQUE" and not c.indexname then
        found[#found + 1] = {
          table = stmt.body.relation,
          message = ("adding UNIQUE constraint %s builds its index while holding an ACCESS EXCLUSIVE lock, which blocks reads and writes")
            :format(c.conname or added.column or "(unnamed)"),
          hint = "op.create_index(name, table, columns, { unique = true, concurrently = true }) outside the transaction, then "
            .. "ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name",
        }
      end
    end
    return found
  end,
}
