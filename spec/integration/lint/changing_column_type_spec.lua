local lint = require("support.lint")
local helpers = require("support.helpers")

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
    local _, conn = helpers.fresh_db()
    big(conn)
    local before = relfilenode(conn)
    lint.apply(conn, { lint.revision({ up = [[    op.alter_column("t", "v", { type = "varchar(40)" })
      op.alter_column("t", "n", { type = "numeric" })]] }) })
    assert.are.equal(before, relfilenode(conn))
    lint.apply(conn, { lint.revision({ up = [[    op.alter_column("t", "n", { type = "numeric(12,4)" })]] }) })
    assert.are_not.equal(before, relfilenode(conn))
  end)

  it("reports a narrowing, a change of scale and a USING clause", function()
    local _, conn = helpers.fresh_db()
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
end)
