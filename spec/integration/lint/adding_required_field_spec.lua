local lint = require("support.lint")

describe("lint rule adding-required-field", function()
  for _, case in ipairs(lint.rule_cases("adding-required-field", {
    level = "error",
    -- 23502 on a table with rows, whatever its size; an empty new table takes it
    small_too = true, fails = true,
    unsafe = [[    op.add_column("t", { "c", "integer", nullable = false })]],
    safe = [[    op.add_column("t", { "c", "integer", nullable = false, default = "0" })]],
  })) do it(case[1], case[2]) end
end)
