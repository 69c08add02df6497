local lint = require("support.lint")

describe("lint rule prefer-repack", function()
  for _, case in ipairs(lint.rule_cases("prefer-repack", {
    level = "error",
    prepare = "CREATE INDEX ix_t_a ON t (a)",
    unsafe = [[    op.execute("CLUSTER t USING ix_t_a")]],
    safe = [[    op.execute("VACUUM t")]],
    safe_transaction = false,
  })) do it(case[1], case[2]) end
end)

describe("lint rule prefer-repack", function()
  it("reports VACUUM FULL, which runs and rewrites the table", function()
    local _, conn = lint.fresh_db()
    lint.table_of(conn, "t", 1000)
    local rev = lint.revision({ transaction = false, up = [[    op.execute("VACUUM FULL t")]] })
    local found = lint.of_rule(lint.lint(conn, { rev }), "prefer-repack")
    assert.are.equal(1, #found)
    assert.matches("VACUUM FULL rewrites", found[1].message)
    lint.apply(conn, { rev }, { })
  end)
end)
