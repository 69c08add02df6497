local lint = require("support.lint")

describe("lint rule prefer-timestamptz", function()
  for _, case in ipairs(lint.rule_cases("prefer-timestamptz", {
    level = "warning",
    -- a choice of type, not a lock: reported on any table
    no_facts = true, everywhere = true,
    cfg = { lint_include = { "prefer-timestamptz" } },  -- a style rule: opt-in
    unsafe = [[    op.add_column("t", { "c", "timestamp" })]],
    safe = [[    op.add_column("t", { "c", "timestamptz" })]],
  })) do it(case[1], case[2]) end
end)
