local lint = require("support.lint")

describe("lint rule renaming-column", function()
  for _, case in ipairs(lint.rule_cases("renaming-column", {
    level = "warning",
    -- not a lock rule: the clients that use the old name break, whatever the table
    no_facts = true, everywhere = true,
    unsafe = [[    op.alter_column("t", "a", { new_name = "a2" })]],
    safe = [[    op.add_column("t", { "a2", "integer" })]],
  })) do it(case[1], case[2]) end
end)
