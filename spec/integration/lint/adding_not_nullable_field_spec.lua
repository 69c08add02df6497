local lint = require("support.lint")

describe("lint rule adding-not-nullable-field", function()
  for _, case in ipairs(lint.rule_cases("adding-not-nullable-field", {
    level = "error",
    unsafe = [[    op.alter_column("t", "a", { nullable = false })]],
    safe = [[    op.create_check_constraint("t_a_not_null", "t", "a IS NOT NULL", { not_valid = true })]],
  })) do it(case[1], case[2]) end
end)
