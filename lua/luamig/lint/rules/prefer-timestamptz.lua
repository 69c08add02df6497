-- timestamp without time zone stores wall-clock time: the same instant
-- reads differently per session TimeZone, and changing it to timestamptz
-- later rewrites the table.
local columns = require("luamig.lint.columns")
local set_of = require("luamig.lists").set_of

return columns.preference_rule({
  name = "prefer-timestamptz",
  types = set_of({ "timestamp" }),
  why = "timestamp without time zone drops the zone, and changing it to timestamptz later rewrites the table",
  hint = "use timestamptz (timestamp with time zone)",
})
