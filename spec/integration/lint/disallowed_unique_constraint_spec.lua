local lint = require("support.lint")

describe("lint rule disallowed-unique-constraint", function()
  for _, case in ipairs(lint.rule_cases("disallowed-unique-constraint", {
    level = "error",
    unsafe = [[    op.create_unique_constraint("t_a_key", "t", { "a" })]],
    safe = [[    op.create_index("t_a_key", "t", { "a" }, { unique = true, concurrently = true })
      op.execute("ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE USING INDEX t_a_key")]],
    safe_transaction = false,
  })) do it(case[1], case[2]) end
end)

describe("lint rule disallowed-unique-constraint", function()
  it("reports a column added UNIQUE", function()
    local _, conn = lint.fresh_db()
    lint.table_of(conn, "t", 1000)
    local rev = lint.revision({ up = [[    op.add_column("t", { "c", "integer", unique = true })]] })
    assert.are.equal(1, #lint.of_rule(lint.lint(conn, { rev }), "disallowed-unique-constraint"))
  end)
end)
