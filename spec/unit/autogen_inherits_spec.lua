-- Unit specs of table inheritance (issue 15 item 11), no database: the
-- INHERITS clause, the model's checks, and the order of drops and creates.
local autogen = require("luamig.autogen")
local compare = require("luamig.autogen.compare")
local ddl = require("luamig.ddl")
local model = require("luamig.autogen.model")
local schema = require("luamig.schema")

local T, meta = schema.table, schema.metadata

local error_of = require("support.expect").error_of

local function live(name, inherits)
  return { name = name, columns = { { name = name .. "_col", type = "integer" } }, indexes = {}, uniques = {},
           checks = {}, fks = {}, real_schema = "public", inherits = inherits }
end

describe("table inheritance", function()
  it("writes INHERITS after the columns", function()
    assert.same({ 'CREATE TABLE "c" (\n    "a" integer\n)\nINHERITS ("p", "s"."q")' },
      ddl.create_table("op.test", "c", { ddl.column("op.test", { "a", "integer" }) },
        { inherits = { "p", { "q", schema = "s" } } }))
  end)

  it("lets a child's index name a parent's column, and refuses a parent missing from the metadata", function()
    local p = T("p", { { "id", "integer" } })
    local c = T("c", { { "x", "integer" } }, { inherits = { p }, indexes = { { "ix_c_id", { "id" } } } })
    assert.equal('schema.metadata: table "c" inherits "p", which is not in the metadata', error_of(meta, { c }))
    assert.equal(2, #meta { c, p }.tables)
  end)

  it("drops children before their parents whatever their names, and the downgrade creates parents first", function()
    local list = compare.diffs(model.tables(meta {}, "public"), {
      live("a_parent"), live("b_child", { { parent = "a_parent" } }), live("c_grandchild", { { parent = "b_child" } }) })
    assert.same({ "remove table c_grandchild", "remove table b_child", "remove table a_parent" }, autogen.describe(list))
    local _, down = autogen.render(list)
    assert.matches('op.create_table("b_child", {\n  { "b_child_col", "integer" },\n}, {\n  inherits = { "a_parent" },\n})',
      down, 1, true)
    assert.is_true(down:find('"a_parent"', 1, true) < down:find('op.create_table("b_child"', 1, true))
  end)
end)
