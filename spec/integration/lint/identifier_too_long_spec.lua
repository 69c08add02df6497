local lint = require("support.lint")

local LONG, FITS = ("c"):rep(64), ("c"):rep(63)

describe("lint rule identifier-too-long", function()
  for _, case in ipairs(lint.rule_cases("identifier-too-long", {
    level = "warning",
    no_facts = true, everywhere = true,
    unsafe = ([[    op.execute("ALTER TABLE t ADD COLUMN %s integer")]]):format(LONG),
    safe = ([[    op.execute("ALTER TABLE t ADD COLUMN %s integer")]]):format(FITS),
  })) do it(case[1], case[2]) end
end)
