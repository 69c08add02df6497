local lint = require("support.lint")

describe("lint rule ban-data-migration-in-ddl-transaction", function()
  for _, case in ipairs(lint.rule_cases("ban-data-migration-in-ddl-transaction", {
    level = "error",
    line = 2,
    unsafe = [[    op.add_column("t", { "c", "integer" })
      op.execute("UPDATE t SET c = a WHERE id <= 10")]],
    -- outside a transaction the ADD COLUMN's lock ends with it
    safe = [[    op.add_column("t", { "c", "integer" })
      op.execute("UPDATE t SET c = a WHERE id <= 10")]],
    safe_transaction = false,
  })) do it(case[1], case[2]) end
end)
