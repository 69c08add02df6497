local lint = require("support.lint")

describe("lint rule prefer-text-field", function()
  for _, case in ipairs(lint.rule_cases("prefer-text-field", {
    level = "warning",
    -- a choice of type, not a lock: reported on any table
    no_facts = true, everywhere = true,
    cfg = { lint_include = { "prefer-text-field" } },  -- a style rule: opt-in
    unsafe = [[    op.add_column("t", { "c", "varchar(20)" })]],
    safe = [[    op.add_column("t", { "c", "text" })]],
  })) do it(case[1], case[2]) end
end)
