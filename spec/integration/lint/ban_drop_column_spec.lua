local lint = require("support.lint")

describe("lint rule ban-drop-column", function()
  for _, case in ipairs(lint.rule_cases("ban-drop-column", {
    level = "warning",
    no_facts = true, everywhere = true,
    unsafe = [[    op.drop_column("t", "b")]],
    -- once no code uses the column, the revision says so
    safe = [[    op.drop_column("t", "b")]],
    safe_ignore = { "ban-drop-column" },
  })) do it(case[1], case[2]) end
end)
