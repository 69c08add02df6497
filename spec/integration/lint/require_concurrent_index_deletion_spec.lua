local lint = require("support.lint")

describe("lint rule require-concurrent-index-deletion", function()
  for _, case in ipairs(lint.rule_cases("require-concurrent-index-deletion", {
    level = "warning",
    prepare = "CREATE INDEX ix_t_a ON t (a)",
    unsafe = [[    op.drop_index("ix_t_a")]],
    safe = [[    op.drop_index("ix_t_a", { concurrently = true })]],
    safe_transaction = false,
  })) do it(case[1], case[2]) end
end)
