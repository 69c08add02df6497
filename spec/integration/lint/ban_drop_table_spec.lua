local lint = require("support.lint")

describe("lint rule ban-drop-table", function()
  for _, case in ipairs(lint.rule_cases("ban-drop-table", {
    level = "warning",
    no_facts = true, everywhere = true,
    unsafe = [[    op.drop_table("t")]],
    safe = [[    op.drop_table("t")]],
    safe_ignore = { "ban-drop-table" },
  })) do it(case[1], case[2]) end
end)
