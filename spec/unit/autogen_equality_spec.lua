-- Unit specs of autogenerate's rules of equality in luamig.autogen.compare
-- (issue 15 items 7 and 12), no database: check expressions compared by
-- their text keys or by the server's verdicts, and env.lua's switches.
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")
local compare = require("luamig.autogen.compare")
local model = require("luamig.autogen.model")

local T, meta = schema.table, schema.metadata

local function live(columns, checks)
  return { name = "t", columns = columns, indexes = {}, uniques = {}, checks = checks or {}, fks = {},
           real_schema = "public" }
end

-- The lines detected between a one-table model and a live table; opts
-- for compare.diffs, with equal built by verdicts(model tables) if given.
local function detected(metadata, reflected, opts, verdicts)
  local tables = model.tables(metadata, "public")
  opts = opts or {}
  if verdicts then opts.equal = verdicts(tables[1]) end
  return autogen.describe(compare.diffs(tables, { reflected }, opts))
end

local function with_check(expr)
  return meta { T("t", { { "a", "integer" } }, { constraints = { { type = "check", name = "ck", expr = expr } } }) }
end

describe("autogen's rules of equality", function()
  describe("check constraints", function()
    local reflected = live({ { name = "a", type = "integer" } }, { { type = "check", name = "ck", expr = "(a > 0)" } })

    it("are the same when their text keys are", function()
      assert.same({}, detected(with_check("a>0"), reflected))
    end)

    it("are a drop and a create when their expressions differ", function()
      assert.same({ "remove check constraint ck on t", "add check constraint ck on t" },
        detected(with_check("a > 1"), reflected))
    end)

    it("take the server's form of the model's expression when there is one", function()
      local function verdicts(t) return { default = {}, index = {}, check = { [t.checks[1]] = "(a > 0)" } } end
      assert.same({}, detected(with_check("a between 1 and 2"), reflected, nil, verdicts))
    end)
  end)

  describe("switches", function()
    local metadata = meta { T("t", { { "a", "bigint", default = "2" } }) }
    local reflected = live({ { name = "a", type = "integer", default = "1" } })

    it("false turns a comparison off", function()
      assert.same({ "change default of t.a: 1 -> 2" }, detected(metadata, reflected, { compare_type = false }))
      assert.same({ "change type of t.a: integer -> bigint" },
        detected(metadata, reflected, { compare_server_default = false }))
    end)

    it("a function decides, nil leaving it to the default rule", function()
      assert.same({}, detected(metadata, reflected, { compare_type = function() return false end,
                                                      compare_server_default = function() return false end }))
      assert.same({ "change type of t.a: integer -> bigint", "change default of t.a: 1 -> 2" },
        detected(metadata, reflected, { compare_type = function() return nil end,
                                        compare_server_default = function() return nil end }))
    end)

    it("a server verdict of the same default is kept by the default rule", function()
      local function verdicts(t) return { default = { [t.columns[1]] = true }, index = {}, check = {} } end
      assert.same({}, detected(metadata, reflected, { compare_type = false }, verdicts))
    end)
  end)
end)
