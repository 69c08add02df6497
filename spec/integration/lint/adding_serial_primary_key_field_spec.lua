local lint = require("support.lint")

describe("lint rule adding-serial-primary-key-field", function()
  for _, case in ipairs(lint.rule_cases("adding-serial-primary-key-field", {
    level = "error",
    prepare = "ALTER TABLE t DROP CONSTRAINT t_pkey",
    unsafe = [[    op.create_primary_key("t_pkey", "t", { "id" })]],
    safe = [[    op.create_index("t_id_key", "t", { "id" }, { unique = true, concurrently = true })
      op.execute("ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_key")]],
    safe_transaction = false,
  })) do it(case[1], case[2]) end
end)

describe("lint rule adding-serial-primary-key-field", function()
  it("reports a serial column added as the primary key", function()
    local _, conn = lint.fresh_db()
    lint.table_of(conn, "t", 1000)
    conn:exec("ALTER TABLE t DROP CONSTRAINT t_pkey")
    local rev = lint.revision({ up = [[    op.add_column("t", { "n", "bigserial", primary_key = true })]] })
    local found = lint.of_rule(lint.lint(conn, { rev }), "adding-serial-primary-key-field")
    assert.are.equal(1, #found)
    assert.matches("on new column n", found[1].message)
  end)
end)
