local lint = require("support.lint")

describe("lint rule constraint-missing-not-valid", function()
  for _, case in ipairs(lint.rule_cases("constraint-missing-not-valid", {
    level = "error",
    unsafe = [[    op.create_check_constraint("t_a_positive", "t", "a > 0")]],
    safe = [[    op.create_check_constraint("t_a_positive", "t", "a > 0", { not_valid = true })]],
  })) do it(case[1], case[2]) end
end)
