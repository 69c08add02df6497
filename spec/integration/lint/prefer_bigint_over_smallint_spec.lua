local lint = require("support.lint")

describe("lint rule prefer-bigint-over-smallint", function()
  for _, case in ipairs(lint.rule_cases("prefer-bigint-over-smallint", {
    level = "warning",
    -- a choice of type, not a lock: reported on any table
    no_facts = true, everywhere = true,
    cfg = { lint_include = { "prefer-bigint-over-smallint" } },  -- a style rule: opt-in
    unsafe = [[    op.add_column("t", { "c", "smallint" })]],
    safe = [[    op.add_column("t", { "c", "bigint" })]],
  })) do it(case[1], case[2]) end
end)
