-- Unit specs of aggregates in luamig.autogen.dependents and the model DSL
-- (issue 15: pagila's group_concat), with no database.
local dependents = require("luamig.autogen.dependents")
local render = require("luamig.autogen.render")
local describe_diffs = require("luamig.autogen.describe").describe
local schema = require("luamig.schema")
local error_of = require("support.expect").error_of

local function side(o)
  return { functions = {}, triggers = {}, views = o.views or {}, policies = {}, row_security = {},
           aggregates = o.aggregates or {} }
end

local concat = { name = "group_concat", args = "text", identity = "text", sfunc = "_group_concat", stype = "text" }
local film_list = { name = "film_list", sql = " SELECT group_concat(f.title) AS titles\n   FROM f;",
                    uses = { { name = "f", column = "title" } }, calls = { { name = "group_concat", identity = "text" } } }

describe("autogen aggregates", function()
  it("finds the same aggregate however the model spells its function and type", function()
    local model = side { aggregates = { { name = "group_concat", args = "TEXT", sfunc = "public._group_concat",
                                          stype = "text", parallel = "unsafe" } } }
    assert.same({}, dependents.around({}, model, side { aggregates = { concat } }, "public"))
  end)

  it("renders op.create_aggregate and op.drop_aggregate, (*) for no arguments", function()
    local up, down = render.render(dependents.around({}, side { aggregates = { concat } }, side {}, "public"))
    assert.equal('op.create_aggregate("group_concat", { args = "text", sfunc = "_group_concat", stype = "text" })', up)
    assert.equal('op.drop_aggregate("group_concat", { args = "text" })', down)
    local none = { name = "n", args = "", identity = "", sfunc = "int8inc", stype = "bigint" }
    assert.same({ "remove aggregate n(*)" }, describe_diffs(dependents.around({}, side {}, side { aggregates = { none } },
      "public")))
  end)

  it("drops and re-creates a changed aggregate around the views that call it", function()
    local changed = { name = "group_concat", args = "text", sfunc = "_group_concat", stype = "text", initcond = "" }
    assert.same({ "remove view film_list", "remove aggregate group_concat(text)", "add aggregate group_concat(text)",
                  "add view film_list" },
      describe_diffs(dependents.around({}, side { aggregates = { changed }, views = { film_list } },
        side { aggregates = { concat }, views = { film_list } }, "public")))
  end)

  it("schema.aggregate refuses an unknown key and a missing sfunc", function()
    assert.equal('aggregate "a": unknown option "stfunc"',
      error_of(schema.aggregate, "a", { stfunc = "f", stype = "int" }))
    assert.equal('aggregate "a": sfunc and stype are needed', error_of(schema.aggregate, "a", { stype = "int" }))
  end)

  it("schema.view refuses indexes on a view that is not materialized", function()
    assert.equal('view "v": only a materialized view has indexes',
      error_of(schema.view, "v", " SELECT 1;", { indexes = { { "ix", { "a" } } } }))
  end)
end)
