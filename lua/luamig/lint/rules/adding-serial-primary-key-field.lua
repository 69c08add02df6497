-- ADD PRIMARY KEY builds its index (and checks NOT NULL) while holding an
-- ACCESS EXCLUSIVE lock; a serial column added as the key also fills every
-- row from the sequence, a rewrite. PRIMARY KEY USING INDEX adopts a
-- unique index built CONCURRENTLY, at once.
local columns = require("luamig.lint.columns")

return {
  name = "adding-serial-primary-key-field",
  level = "error",
  kinds = { "AlterTableStmt" },
  check = function(stmt)
    local found = {}
    for _, added in ipairs(columns.constraints_added(stmt.body)) do
      local c = added.constraint
      if c.contype == "CONSTR_PRIMARY" and not c.indexname then
        found[#found + 1] = {
          table = stmt.body.relation,
          message = ("adding a primary key%s builds its index while holding an ACCESS EXCLUSIVE lock, which blocks reads and writes")
            :format(added.column and (" on new column " .. added.column) or ""),
          hint = "op.create_index(name, table, columns, { unique = true, concurrently = true }) outside the transaction, then "
            .. "ALTER TABLE ... ADD CONSTRAINT pkey PRIMARY KEY USING INDEX name (the columns NOT NULL already)",
        }
      end
    end
    return found
  end,
}
