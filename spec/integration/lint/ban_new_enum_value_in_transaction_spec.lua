local lint = require("support.lint")

describe("lint rule ban-new-enum-value-in-transaction", function()
  for _, case in ipairs(lint.rule_cases("ban-new-enum-value-in-transaction", {
    level = "error",
    -- 55P04 unsafe use of new value, on any table
    no_facts = true, everywhere = true, fails = true,
    line = 2,
    setup = function(conn) conn:exec("CREATE TYPE mood AS ENUM ('ok')") end,
    unsafe = [[    op.add_enum_value("mood", "great")
      op.execute("SELECT 'great'::mood")]],
    safe = [[    op.autocommit(function() op.add_enum_value("mood", "great") end)
      op.execute("SELECT 'great'::mood")]],
  })) do it(case[1], case[2]) end
end)
