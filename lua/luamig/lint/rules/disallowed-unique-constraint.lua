-- ADD CONSTRAINT ... UNIQUE (or a column added UNIQUE) builds its index
-- while holding an ACCESS EXCLUSIVE lock: no reads or writes until done.
-- UNIQUE USING INDEX adopts an index built CONCURRENTLY, at once.
local columns = require("luamig.lint.columns")

return columns.index_constraint_rule({
  name = "disallowed-unique-constraint",
  contype = "CONSTR_UNIQUE",
  what = function(added)
    return ("adding UNIQUE constraint %s builds its index while holding an ACCESS EXCLUSIVE lock, which blocks reads and writes")
      :format(added.constraint.conname or added.column or "(unnamed)")
  end,
  hint = "op.create_index(name, table, columns, { unique = true, concurrently = true }) outside the transaction, then "
    .. "ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name",
})
