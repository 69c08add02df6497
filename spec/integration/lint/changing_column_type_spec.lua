local lint = require("support.lint")

local PREPARE = "ALTER TABLE t ADD COLUMN v varchar(20), ADD COLUMN n numeric(10,2), ADD COLUMN s text"

describe("lint rule changing-column-type", function()
  for _, case in ipairs(lint.rule_cases("changing-column-type", {
    level = "error",
    prepare = PREPARE,
    unsafe = [[    op.alter_column("t", "a", { type = "bigint" })]],
    safe = [[    op.alter_column("t", "v", { type = "varchar(40)" })
      op.alter_column("t", "n", { type = "numeric(12,2)" })
      op.alter_column("t", "s", { type = "varchar" })
      op.alter_column("t", "v", { type = "text" })]],
  })) do it(case[1], case[2]) end
end)

describe("lint rule changing-column-type", function()
  local function relfilenode(conn)
    return conn:query("SELECT relfilenode FROM pg_class WHERE relname = 't'")[1].relfilenode
  end

  local function big(conn)
    lint.table_of(conn, "t", 1000)
    conn:exec(PREPARE)
  end

  it("agrees with the server: the widenings it lets through keep the table's file, what it reports rewrites it", function()
    local _, conn = lint.fresh_db()
    big(conn)
    local before = relfilenode(conn)
    lint.apply(conn, { lint.revision({ up = [[    op.alter_column("t", "v", { type = "varchar(40)" })
      op.alter_column("t", "n", { type = "numeric" })]] }) })
    assert.are.equal(before, relfilenode(conn))
    lint.apply(conn, { lint.revision({ up = [[    op.alter_column("t", "n", { type = "numeric(12,4)" })]] }) })
    assert.are_not.equal(before, relfilenode(conn))
  end)

  it("reports a narrowing, a change of scale and a USING clause", function()
    local _, conn = lint.fresh_db()
    big(conn)
    local rev = lint.revision({ up = [[    op.alter_column("t", "v", { type = "varchar(10)" })
      op.alter_column("t", "n", { type = "numeric(12,4)" })
      op.alter_column("t", "s", { type = "text", using = "s || ''" })]] })
    local found = lint.of_rule(lint.lint(conn, { rev }), "changing-column-type")
    assert.are.equal(3, #found)
    assert.matches("column v from varchar to varchar%(10%)", found[1].message)
  end)

  it("reports every type change offline, where the column's type is not known", function()
    local rev = lint.revision({ up = [[    op.alter_column("t", "v", { type = "text" })]] })
    assert.are.equal(1, #lint.of_rule(lint.lint(nil, { rev }), "changing-column-type"))
  end)

  -- each change: the column's type, the new one, and whether the server
  -- rewrites the table (its file changes); lint must say the same.
  -- (timestamp to timestamptz is free only under TimeZone UTC, and lint
  -- reports it: the run's TimeZone may be another.)
  local CHANGES = {
    { "varchar(20)", "varchar(40)", false }, { "varchar(20)", "varchar", false }, { "varchar(20)", "text", false },
    { "text", "varchar", false }, { "numeric(10,2)", "numeric(12,2)", false }, { "numeric(10,2)", "numeric", false },
    { "varbit(8)", "varbit(16)", false }, { "timestamp(3)", "timestamp(6)", false },
    { "timestamptz(3)", "timestamptz", false }, { "cidr", "inet", false },
    { "varchar(20)", "varchar(10)", true }, { "numeric(10,2)", "numeric(12,4)", true }, { "text", "varchar(10)", true },
    { "integer", "bigint", true }, { "char(4)", "text", true },
  }
  for _, change in ipairs(CHANGES) do
    local from, to, rewrites = change[1], change[2], change[3]
    it(("says %s to %s %s, as the server does"):format(from, to, rewrites and "rewrites" or "does not rewrite"), function()
      local _, conn = lint.fresh_db()
      conn:exec(("CREATE TABLE t (id bigint PRIMARY KEY, c %s)"):format(from))
      conn:exec("INSERT INTO t SELECT g FROM generate_series(1, 1000) g")
      conn:exec("ANALYZE t")
      local rev = lint.revision({ up = ([[    op.alter_column("t", "c", { type = %q })]]):format(to) })
      local found = lint.of_rule(lint.lint(conn, { rev }), "changing-column-type")
      local before = relfilenode(conn)
      lint.apply(conn, { rev })
      assert.are.equal(rewrites, before ~= relfilenode(conn), "the server")
      assert.are.equal(rewrites and 1 or 0, #found, "lint")
    end)
  end
end)
