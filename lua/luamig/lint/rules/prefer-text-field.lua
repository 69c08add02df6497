-- varchar(n): raising n later is cheap, but lowering it or any change
-- that is not a widening rewrites the table; a CHECK on length(col) can
-- be changed with NOT VALID and no rewrite.
local columns = require("luamig.lint.columns")
local set_of = require("luamig.lists").set_of

return columns.preference_rule({
  name = "prefer-text-field",
  types = set_of({ "varchar" }),
  applies = function(t) return #t.mods > 0 end,
  why = "a length limit in the type can only be changed by ALTER COLUMN TYPE (an ACCESS EXCLUSIVE lock, a rewrite when it shrinks)",
  hint = "use text with a CHECK (length(col) <= n) constraint, which can be replaced with NOT VALID",
})
