-- char(n) pads with spaces, compares ignoring them, and is no faster than
-- text; changing it later rewrites the table.
local columns = require("luamig.lint.columns")
local set_of = require("luamig.lists").set_of

return columns.preference_rule({
  name = "ban-char-field",
  types = set_of({ "bpchar", "char", "character" }),
  why = "char(n) pads values with spaces and is no faster than text",
  hint = "use text (with a CHECK (length(col) = n) constraint if the length matters)",
})
