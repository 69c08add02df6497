-- Unit specs of primary-key changes on existing tables (issue 15 item
-- 11), no database: the model's key against the reflected one.
local autogen = require("luamig.autogen")
local compare = require("luamig.autogen.compare")
local ddl = require("luamig.ddl")
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

describe("exclusion constraints", function()
  local function error_of(fn, ...)
    local ok, err = pcall(fn, ...)
    assert(not ok, "expected an error")
    return err
  end

  it("writes EXCLUDE with its method, elements, predicate and deferral", function()
    assert.same({ 'ALTER TABLE "b" ADD CONSTRAINT "x" EXCLUDE USING gist ("during" WITH &&, (lower(n)) WITH =) '
                  .. "WHERE (room > 0) DEFERRABLE INITIALLY DEFERRED" },
      ddl.add_constraint("op.test", "b", { type = "exclude", name = "x", using = "gist", where = "room > 0",
        elements = { { "during", with = "&&" }, { expr = "lower(n)", with = "=" } }, deferrable = true,
        initially = "deferred" }, {}))
  end)

  it("refuses an element without an operator", function()
    assert.equal('op.test: an exclusion element needs with = an operator such as "&&" or "=", got nil',
      error_of(ddl.add_constraint, "op.test", "b", { type = "exclude", name = "x", elements = { { "during" } } }, {}))
  end)

  it("refuses an unnamed one in a model", function()
    assert.equal('table "b": exclude constraint (unnamed): an exclusion constraint needs a name',
      error_of(T, "b", { { "during", "tstzrange" } }, { constraints = { { type = "exclude",
        elements = { { "during", with = "&&" } } } } }))
  end)

  it("sees an element's operator differ, and renders op.create_exclude_constraint", function()
    local live_table = { name = "b", columns = { { name = "during", type = "tstzrange" } }, indexes = {}, uniques = {},
      checks = {}, fks = {}, real_schema = "public",
      excludes = { { type = "exclude", name = "x", using = "gist", elements = { { "during", with = "&&" } } } } }
    local m = model.tables(meta { T("b", { { "during", "tstzrange" } }, { constraints = { { type = "exclude",
      name = "x", using = "GiST", elements = { { "during", with = "=" } } } } }) }, "public")
    local list = compare.diffs(m, { live_table })
    assert.same({ "remove exclusion constraint x on b", "add exclusion constraint x on b" }, autogen.describe(list))
    local up = autogen.render(list)
    assert.equal('op.drop_constraint("x", "b")\n'
      .. 'op.create_exclude_constraint("x", "b", { { "during", with = "=" } }, { using = "GiST" })', up)
  end)
end)
