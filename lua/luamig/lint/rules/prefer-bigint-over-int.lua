-- A 32-bit key runs out at 2,147,483,647; widening it later rewrites the
-- table (and every table whose foreign key points at it).
local columns = require("luamig.lint.columns")
local set_of = require("luamig.lists").set_of

return columns.preference_rule({
  name = "prefer-bigint-over-int",
  types = set_of({ "int4", "int", "integer", "serial", "serial4" }),
  why = "a 32-bit integer can run out, and widening it later rewrites the table",
  hint = "use bigint (or bigserial / bigint GENERATED ... AS IDENTITY)",
})
