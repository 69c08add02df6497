-- ADD PRIMARY KEY builds its index (and checks NOT NULL) while holding an
-- ACCESS EXCLUSIVE lock; a serial column added as the key also fills every
-- row from the sequence, a rewrite. PRIMARY KEY USING INDEX adopts a
-- unique index built CONCURRENTLY, at once.
local columns = require("luamig.lint.columns")

return columns.index_constraint_rule({
  name = "adding-serial-primary-key-field",
  contype = "CONSTR_PRIMARY",
  what = function(added)
    return ("adding a primary key%s builds its index while holding an ACCESS EXCLUSIVE lock, which blocks reads and writes")
      :format(added.column and (" on new column " .. added.column) or "")
  end,
  hint = "op.create_index(name, table, columns, { unique = true, concurrently = true }) outside the transaction, then "
    .. "ALTER TABLE ... ADD CONSTRAINT pkey PRIMARY KEY USING INDEX name (the columns NOT NULL already)",
})
