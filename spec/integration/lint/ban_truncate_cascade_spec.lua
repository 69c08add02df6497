local lint = require("support.lint")

describe("lint rule ban-truncate-cascade", function()
  for _, case in ipairs(lint.rule_cases("ban-truncate-cascade", {
    level = "error",
    no_facts = true, everywhere = true,
    unsafe = [[    op.execute("TRUNCATE t CASCADE")]],
    safe = [[    op.execute("TRUNCATE t")]],
  })) do it(case[1], case[2]) end
end)
