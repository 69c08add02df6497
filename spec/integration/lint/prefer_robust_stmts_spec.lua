local lint = require("support.lint")

describe("lint rule prefer-robust-stmts", function()
  for _, case in ipairs(lint.rule_cases("prefer-robust-stmts", {
    level = "warning",
    -- about reruns after a failure, on any table
    no_facts = true, everywhere = true,
    transaction = false,
    unsafe = [[    op.add_column("t", { "c", "integer" })]],
    safe = [[    op.add_column("t", { "c", "integer" }, { if_not_exists = true })]],
    safe_transaction = false,
  })) do it(case[1], case[2]) end
end)

describe("lint rule prefer-robust-stmts", function()
  it("takes a DROP INDEX CONCURRENTLY IF EXISTS before CREATE INDEX CONCURRENTLY as robust", function()
    local _, conn = lint.fresh_db()
    lint.table_of(conn, "t", 1000)
    local rev = lint.revision({ transaction = false, up = [[    op.drop_index("ix_t_a", { concurrently = true, if_exists = true })
      op.create_index("ix_t_a", "t", { "a" }, { concurrently = true })]] })
    assert.are.same({}, lint.of_rule(lint.lint(conn, { rev }), "prefer-robust-stmts"))
    lint.apply(conn, { rev })
  end)

  it("does not report statements in the revision's transaction, which a failure rolls back", function()
    local rev = lint.revision({ up = [[    op.add_column("t", { "c", "integer" })]] })
    assert.are.same({}, lint.of_rule(lint.lint(nil, { rev }), "prefer-robust-stmts"))
  end)
end)
