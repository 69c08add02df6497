local lint = require("support.lint")

describe("lint rule require-concurrent-reindex", function()
  for _, case in ipairs(lint.rule_cases("require-concurrent-reindex", {
    level = "error",
    prepare = "CREATE INDEX ix_t_a ON t (a)",
    unsafe = [[    op.execute("REINDEX INDEX ix_t_a")]],
    safe = [[    op.execute("REINDEX (CONCURRENTLY) INDEX ix_t_a")]],
    safe_transaction = false,
  })) do it(case[1], case[2]) end
end)
