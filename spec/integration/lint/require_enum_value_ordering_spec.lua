local lint = require("support.lint")

describe("lint rule require-enum-value-ordering", function()
  for _, case in ipairs(lint.rule_cases("require-enum-value-ordering", {
    level = "warning",
    -- about the enum's order, on any table
    no_facts = true, everywhere = true,
    setup = function(conn) conn:exec("CREATE TYPE mood AS ENUM ('sad', 'happy')") end,
    unsafe = [[    op.add_enum_value("mood", "ok")]],
    safe = [[    op.add_enum_value("mood", "ok", { after = "sad" })]],
  })) do it(case[1], case[2]) end
end)
