-- Unit specs of primary-key changes on existing tables (issue 15 item
-- 11), no database: the model's key against the reflected one.
local autogen = require("luamig.autogen")
local compare = require("luamig.autogen.compare")
local model = require("luamig.autogen.model")
local schema = require("luamig.schema")

local T, meta = schema.table, schema.metadata

local function live(pk)
  return { name = "t", columns = { { name = "a", type = "integer", nullable = false },
                                   { name = "b", type = "integer", nullable = false } },
           indexes = {}, uniques = {}, checks = {}, fks = {}, real_schema = "public",
           pk = pk, pk_set = pk and { a = true, b = true } or nil }
end

local function diffs(model_table, pk)
  return compare.diffs(model.tables(meta { model_table }, "public"), { live(pk) })
end

describe("primary keys of existing tables", function()
  it("takes an unnamed key for the live one of the same columns, whatever its name", function()
    assert.same({}, autogen.describe(diffs(T("t", { { "a", "integer", primary_key = true },
      { "b", "integer", primary_key = true } }), { type = "primary_key", name = "old_name", columns = { "a", "b" } })))
  end)

  it("drops and creates a key whose columns changed order, and renders both", function()
    local list = diffs(T("t", { { "a", "integer" }, { "b", "integer" } },
      { constraints = { { type = "primary_key", columns = { "b", "a" } } } }),
      { type = "primary_key", name = "t_pkey", columns = { "a", "b" } })
    assert.same({ "remove primary key t_pkey on t", "add primary key t_pkey on t" }, autogen.describe(list))
    local up, down = autogen.render(list)
    assert.equal('op.drop_constraint("t_pkey", "t")\nop.create_primary_key("t_pkey", "t", { "b", "a" })', up)
    assert.equal('op.drop_constraint("t_pkey", "t")\nop.create_primary_key("t_pkey", "t", { "a", "b" })', down)
  end)
end)
