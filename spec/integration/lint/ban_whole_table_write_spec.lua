local lint = require("support.lint")

describe("lint rule ban-whole-table-write", function()
  for _, case in ipairs(lint.rule_cases("ban-whole-table-write", {
    level = "error",
    unsafe = [[    op.execute("UPDATE t SET b = 'y'")]],
    safe = [[    op.execute("UPDATE t SET b = 'y' WHERE id <= 10")]],
  })) do it(case[1], case[2]) end
end)

describe("lint rule ban-whole-table-write", function()
  it("reports a WHERE the planner estimates touches most rows, and a whole-table DELETE", function()
    local _, conn = lint.fresh_db()
    lint.table_of(conn, "t", 1000)
    local rev = lint.revision({ up = [[    op.execute("UPDATE t SET b = 'y' WHERE id > 10")
      op.execute("DELETE FROM t")]] })
    local found = lint.of_rule(lint.lint(conn, { rev }), "ban-whole-table-write")
    assert.are.equal(2, #found)
    assert.matches("touches ~99%% of the rows, the planner estimates", found[1].message)
    assert.matches("^DELETE of t has no WHERE", found[2].message)
    lint.apply(conn, { rev })
  end)

  it("does not wait for the planner behind a lock another session holds on the table", function()
    local url, conn = lint.fresh_db()
    lint.table_of(conn, "t", 1000)
    local other = assert(require("luamig.core").connect(url))
    other:exec("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
    local rev = lint.revision({ up = [[    op.execute("UPDATE t SET b = 'y' WHERE id > 10")]] })
    local started = os.time()
    local found = lint.of_rule(lint.lint(conn, { rev }), "ban-whole-table-write")
    assert.is_true(os.time() - started <= 2, "lint waited behind the lock")
    assert.are.same({}, found)  -- no estimate: not reported
    assert.are.equal("idle", conn:transaction_status())
    other:exec("ROLLBACK")
    other:close()
  end)

  it("reports a WHERE offline only when there is none (no planner)", function()
    local rev = lint.revision({ up = [[    op.execute("UPDATE t SET b = 'y' WHERE id > 10")]] })
    assert.are.same({}, lint.of_rule(lint.lint(nil, { rev }), "ban-whole-table-write"))
  end)
end)
