local lint = require("support.lint")

describe("lint rule transaction-nesting", function()
  for _, case in ipairs(lint.rule_cases("transaction-nesting", {
    level = "error",
    no_facts = true, everywhere = true,
    unsafe = [[    op.execute("BEGIN")]],
    safe = [[    op.execute("BEGIN")
      op.add_column("t", { "c", "integer" })
      op.execute("COMMIT")]],
    safe_transaction = false,
  })) do it(case[1], case[2]) end
end)
