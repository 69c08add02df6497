local lint = require("support.lint")

describe("lint rule renaming-table", function()
  for _, case in ipairs(lint.rule_cases("renaming-table", {
    level = "warning",
    no_facts = true, everywhere = true,
    unsafe = [[    op.rename_table("t", "t2")]],
    safe = [[    op.execute("CREATE VIEW t2 AS SELECT * FROM t")]],
  })) do it(case[1], case[2]) end
end)
