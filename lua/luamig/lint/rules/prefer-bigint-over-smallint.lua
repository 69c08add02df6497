-- A 16-bit integer runs out at 32,767; widening it later rewrites the table.
local columns = require("luamig.lint.columns")
local set_of = require("luamig.lists").set_of

return columns.preference_rule({
  name = "prefer-bigint-over-smallint",
  types = set_of({ "int2", "smallint", "smallserial", "serial2" }),
  why = "a 16-bit integer runs out at 32,767, and widening it later rewrites the table",
  hint = "use bigint",
})
