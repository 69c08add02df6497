local lint = require("support.lint")

describe("lint rule require-concurrent-index-creation", function()
  for _, case in ipairs(lint.rule_cases("require-concurrent-index-creation", {
    level = "error",
    unsafe = [[    op.create_index("ix_t_a", "t", { "a" })]],
    safe = [[    op.create_index("ix_t_a", "t", { "a" }, { concurrently = true })]],
    safe_transaction = false,
  })) do it(case[1], case[2]) end
end)
