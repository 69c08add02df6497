-- Unit specs of luamig.autogen.dependents and the rendering of its kinds:
-- functions, triggers and views compared and placed around table records,
-- with no database.
local dependents = require("luamig.autogen.dependents")
local render = require("luamig.autogen.render")
local describe_diffs = require("luamig.autogen.describe").describe

local function live(o)
  return { functions = o.functions or {}, triggers = o.triggers or {}, views = o.views or {}, policies = {}, row_security = {},
           aggregates = o.aggregates or {} }
end

local fn = { name = "touch", args = "", identity = "", returns = "trigger", language = "plpgsql",
             body = "BEGIN RETURN NEW; END" }
local trg = { name = "t_touch", table = "t", timing = "BEFORE", events = { "UPDATE" }, each = "ROW",
              execute = "touch()" }
local base = { name = "base", sql = " SELECT t.a\n   FROM t;", uses = { { name = "t", column = "a" } } }
local top = { name = "top", sql = " SELECT base.a\n   FROM base;", uses = { { name = "base" } } }

describe("autogen dependents", function()
  it("finds nothing when both sides hold the same objects", function()
    local both = live { functions = { fn }, triggers = { trg }, views = { base, top } }
    assert.same({}, dependents.around({}, both, both, "public"))
  end)

  it("drops triggers, then views (readers first), then functions, before the table records", function()
    local diffs = dependents.around({ { kind = "remove_table", table = "t", def = {} } }, live {},
      live { functions = { fn }, triggers = { trg }, views = { base, top } }, "public")
    local kinds = {}
    for i, d in ipairs(diffs) do kinds[i] = d.kind .. ":" .. (d.func or d.trigger or d.view or { name = d.table }).name end
    assert.same({ "remove_trigger:t_touch", "remove_view:top", "remove_view:base", "remove_function:touch",
                  "remove_table:t" }, kinds)
  end)

  it("re-creates, after a type change, the views that read the column, and those reading them", function()
    local both = live { views = { top, base } }
    local change = { kind = "alter_column", table = "t", column = "a", changes = { type = { from = "int", to = "text" } } }
    assert.same({ "remove view top", "remove view base", "change type of t.a: int -> text", "add view base",
                  "add view top" }, describe_diffs(dependents.around({ change }, both, both, "public")))
  end)

  it("renders a function as op.create_function with its parts, on one line", function()
    local up, down = render.render(dependents.around({}, live { functions = { fn } }, live {}, "public"))
    assert.equal('op.create_function("touch", { args = "", returns = "trigger", language = "plpgsql", '
      .. 'body = "BEGIN RETURN NEW; END" })', up)
    assert.equal('op.drop_function("touch", { args = "" })', down)
  end)

  it("renders a trigger as op.create_trigger", function()
    local up = render.render(dependents.around({}, live { triggers = { trg } }, live {}, "public"))
    assert.equal('op.create_trigger("t_touch", "t", { timing = "BEFORE", events = { "UPDATE" }, each = "ROW", '
      .. 'execute = "touch()" })', up)
  end)

  it("treats a trigger calling the function through the current schema as the same", function()
    local qualified = {}
    for k, v in pairs(trg) do qualified[k] = v end
    qualified.execute = "public.touch()"
    assert.same({}, dependents.around({}, live { triggers = { qualified } }, live { triggers = { trg } }, "public"))
  end)

  it("changes a trigger's comment alone, and renders it as op.comment_on_trigger both ways", function()
    local commented = {}
    for k, v in pairs(trg) do commented[k] = v end
    commented.comment = "stamps t"
    local diffs = dependents.around({}, live { triggers = { commented } }, live { triggers = { trg } }, "public")
    assert.same({ "change comment of trigger t_touch on t" }, describe_diffs(diffs))
    local up, down = render.render(diffs)
    assert.equal('op.comment_on_trigger("t_touch", "t", "stamps t")', up)
    assert.equal('op.comment_on_trigger("t_touch", "t", nil)', down)
  end)

  it("sees a constraint trigger's deferral as a different trigger", function()
    local deferred = {}
    for k, v in pairs(trg) do deferred[k] = v end
    deferred.timing, deferred.constraint, deferred.deferrable, deferred.initially = "AFTER", true, true, "DEFERRED"
    local immediate = {}
    for k, v in pairs(deferred) do immediate[k] = v end
    immediate.initially = "immediate"
    assert.same({ "remove trigger t_touch on t", "add trigger t_touch on t" },
      describe_diffs(dependents.around({}, live { triggers = { immediate } }, live { triggers = { deferred } }, "public")))
  end)
end)
