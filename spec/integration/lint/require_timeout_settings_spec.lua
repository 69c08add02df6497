local lint = require("support.lint")

describe("lint rule require-timeout-settings", function()
  for _, case in ipairs(lint.rule_cases("require-timeout-settings", {
    level = "warning",
    unsafe = [[    op.add_column("t", { "c", "integer" })
      op.add_column("t", { "d", "integer" })]],
    safe = [[    op.execute("SET lock_timeout = '1s'")
      op.add_column("t", { "c", "integer" })]],
  })) do it(case[1], case[2]) end
end)

describe("lint rule require-timeout-settings", function()
  it("is satisfied by lock_timeout in the config", function()
    local _, conn = lint.fresh_db()
    lint.table_of(conn, "t", 1000)
    local rev = lint.revision({ up = [[    op.add_column("t", { "c", "integer" })]] })
    assert.are.same({}, lint.of_rule(lint.lint(conn, { rev }, { lock_timeout = "1s" }), "require-timeout-settings"))
  end)
end)
