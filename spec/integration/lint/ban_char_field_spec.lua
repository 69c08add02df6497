local lint = require("support.lint")

describe("lint rule ban-char-field", function()
  for _, case in ipairs(lint.rule_cases("ban-char-field", {
    level = "warning",
    -- a choice of type, not a lock: reported on any table
    no_facts = true, everywhere = true,
    cfg = { lint_include = { "ban-char-field" } },  -- a style rule: opt-in
    unsafe = [[    op.add_column("t", { "c", "char(2)" })]],
    safe = [[    op.add_column("t", { "c", "text" })]],
  })) do it(case[1], case[2]) end
end)
