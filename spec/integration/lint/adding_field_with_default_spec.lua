local lint = require("support.lint")

describe("lint rule adding-field-with-default", function()
  for _, case in ipairs(lint.rule_cases("adding-field-with-default", {
    level = "error",
    unsafe = [[    op.add_column("t", { "c", "double precision", default = "random()" })]],
    safe = [[    op.add_column("t", { "c", "integer", default = "0" })
      op.add_column("t", { "d", "timestamptz", default = "now()" })
      op.add_column("t", { "e", "text", default = "'x'::text" })]],
  })) do it(case[1], case[2]) end
end)

describe("lint rule adding-field-with-default", function()
  it("reports a stored generated column, which rewrites the table", function()
    local _, conn = lint.fresh_db()
    lint.table_of(conn, "t", 1000)
    local rev = lint.revision({ up = [[    op.execute("ALTER TABLE t ADD COLUMN c integer GENERATED ALWAYS AS (a * 2) STORED")]] })
    local found = lint.of_rule(lint.lint(conn, { rev }), "adding-field-with-default")
    assert.are.equal(1, #found)
    assert.matches("stored generated column", found[1].message)
  end)
end)
