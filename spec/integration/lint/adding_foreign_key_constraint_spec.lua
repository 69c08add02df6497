local lint = require("support.lint")

describe("lint rule adding-foreign-key-constraint", function()
  for _, case in ipairs(lint.rule_cases("adding-foreign-key-constraint", {
    level = "error",
    setup = function(conn) conn:exec("CREATE TABLE r (id integer PRIMARY KEY); INSERT INTO r SELECT generate_series(1, 1000)") end,
    unsafe = [[    op.create_foreign_key("t_a_fk", "t", "r", { "a" }, { "id" })]],
    safe = [[    op.create_foreign_key("t_a_fk", "t", "r", { "a" }, { "id" }, { not_valid = true })]],
  })) do it(case[1], case[2]) end
end)
