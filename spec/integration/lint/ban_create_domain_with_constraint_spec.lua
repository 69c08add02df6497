local lint = require("support.lint")

describe("lint rule ban-create-domain-with-constraint", function()
  for _, case in ipairs(lint.rule_cases("ban-create-domain-with-constraint", {
    level = "warning",
    no_facts = true, everywhere = true,
    unsafe = [[    op.execute("CREATE DOMAIN positive AS integer CHECK (VALUE > 0)")]],
    safe = [[    op.execute("CREATE DOMAIN positive AS integer")
      op.add_column("t", { "p", "positive" })
      op.create_check_constraint("t_p_positive", "t", "p > 0", { not_valid = true })]],
  })) do it(case[1], case[2]) end
end)
