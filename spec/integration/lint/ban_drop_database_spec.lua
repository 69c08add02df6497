local lint = require("support.lint")

describe("lint rule ban-drop-database", function()
  for _, case in ipairs(lint.rule_cases("ban-drop-database", {
    level = "error",
    no_facts = true, everywhere = true,
    transaction = false,  -- DROP DATABASE cannot run in a transaction block
    unsafe = [[    op.execute("DROP DATABASE IF EXISTS luamig_lint_no_such_database")]],
    safe = [[    op.execute("SELECT 1")]],
  })) do it(case[1], case[2]) end
end)
