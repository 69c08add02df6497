local lint = require("support.lint")

describe("lint rule ban-duplicate-column-assignments", function()
  for _, case in ipairs(lint.rule_cases("ban-duplicate-column-assignments", {
    level = "error",
    -- 42601 multiple assignments to same column, on any table
    no_facts = true, everywhere = true, fails = true,
    unsafe = [[    op.execute("UPDATE t SET a = 1, b = 'y', a = 2 WHERE id = 1")]],
    safe = [[    op.execute("UPDATE t SET a = 2, b = 'y' WHERE id = 1")]],
  })) do it(case[1], case[2]) end
end)
