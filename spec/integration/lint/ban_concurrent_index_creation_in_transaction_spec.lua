local lint = require("support.lint")

describe("lint rule ban-concurrent-index-creation-in-transaction", function()
  for _, case in ipairs(lint.rule_cases("ban-concurrent-index-creation-in-transaction", {
    level = "error",
    -- not a lock rule: the server refuses it (25001) on any table
    no_facts = true, fails = true, everywhere = true,
    unsafe = [[    op.execute("CREATE INDEX CONCURRENTLY ix_t_a ON t (a)")]],
    safe = [[    op.autocommit(function() op.execute("CREATE INDEX CONCURRENTLY ix_t_a ON t (a)") end)]],
  })) do it(case[1], case[2]) end
end)
