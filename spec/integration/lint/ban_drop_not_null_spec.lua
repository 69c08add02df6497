local lint = require("support.lint")

describe("lint rule ban-drop-not-null", function()
  for _, case in ipairs(lint.rule_cases("ban-drop-not-null", {
    level = "warning",
    no_facts = true, everywhere = true,
    prepare = "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    unsafe = [[    op.alter_column("t", "a", { nullable = true })]],
    safe = [[    op.alter_column("t", "a", { nullable = true })]],
    safe_ignore = { "ban-drop-not-null" },
  })) do it(case[1], case[2]) end
end)
