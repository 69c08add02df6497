-- Unit specs of index details (issue 15 item 3), no database: the SQL of
-- op.create_index's new options, their comparison, and their rendering.
local autogen = require("luamig.autogen")
local compare = require("luamig.autogen.compare")
local ddl = require("luamig.ddl")
local model = require("luamig.autogen.model")
local schema = require("luamig.schema")

local T, meta = schema.table, schema.metadata
local W = "op.test"

local error_of = require("support.expect").error_of

local COLUMNS = { { "id", "integer" }, { "a", "text" }, { "b", "text" } }

local function live(indexes)
  return { name = "t", columns = { { name = "id", type = "integer" }, { name = "a", type = "text" },
                                   { name = "b", type = "text" } },
           indexes = indexes, uniques = {}, checks = {}, fks = {}, real_schema = "public" }
end

local function described(indexes, live_indexes)
  local m = model.tables(meta { T("t", COLUMNS, { indexes = indexes }) }, "public")
  return autogen.describe(compare.diffs(m, { live(live_indexes) }))
end

describe("index details", function()
  describe("the dialect", function()
    it("writes collation, opclass, order and nulls of a column, then INCLUDE, NULLS NOT DISTINCT and WITH", function()
      assert.same({ 'CREATE UNIQUE INDEX "ix" ON "t" ("a" COLLATE "C" "text_pattern_ops" DESC NULLS LAST, '
                    .. '"b" NULLS FIRST) INCLUDE ("id") NULLS NOT DISTINCT WITH (deduplicate_items = false, '
                    .. "fillfactor = 70) WHERE a > ''" },
        ddl.create_index(W, "ix", "t", { { "a", collation = "C", opclass = "text_pattern_ops", desc = true,
                                           nulls = "last" }, { "b", nulls = "FIRST" } },
          { unique = true, include = { "id" }, nulls_not_distinct = true,
            with = { fillfactor = 70, deduplicate_items = false }, where = "a > ''" }))
    end)

    it("refuses nulls other than first or last", function()
      assert.equal('op.test: unknown nulls "middle" (FIRST, LAST)',
        error_of(ddl.create_index, W, "ix", "t", { { "a", nulls = "middle" } }, {}))
    end)

    it("refuses a storage option that is not a name", function()
      assert.equal("op.test: with must map storage option names to values, got key 1",
        error_of(ddl.create_index, W, "ix", "t", { "a" }, { with = { "fillfactor=70" } }))
    end)
  end)

  describe("the model", function()
    it("refuses an INCLUDE column the table does not have", function()
      assert.equal('table "t": index "ix": unknown column "nope"',
        error_of(T, "t", COLUMNS, { indexes = { { "ix", { "a" }, include = { "nope" } } } }))
    end)
  end)

  describe("comparing", function()
    it("finds nothing when the details agree, defaults written or not", function()
      assert.same({}, described(
        { { "ix", { { "a", nulls = "last" }, { "b", desc = true, nulls = "first" } }, with = { fillfactor = 70 } } },
        { { name = "ix", columns = { "a", { "b", desc = true } }, with = { fillfactor = "70" } } }))
    end)

    for _, case in ipairs {
      { "an operator class", { { "a", opclass = "text_pattern_ops" } }, {}, { "a" }, {} },
      { "a collation", { { "a", collation = "C" } }, {}, { { "a", collation = "POSIX" } }, {} },
      { "the null order", { { "a", nulls = "first" } }, {}, { "a" }, {} },
      { "INCLUDE columns", { "a" }, { include = { "b" } }, { "a" }, {} },
      { "NULLS NOT DISTINCT", { "a" }, { unique = true, nulls_not_distinct = true }, { "a" }, { unique = true } },
      { "a storage option", { "a" }, { with = { fillfactor = 70 } }, { "a" }, { with = { fillfactor = 90 } } },
    } do
      it("sees " .. case[1] .. " differ, as a drop and a create", function()
        local idx = { "ix", case[2] }
        for k, v in pairs(case[3]) do idx[k] = v end
        local d = { name = "ix", columns = case[4] }
        for k, v in pairs(case[5]) do d[k] = v end
        assert.same({ "remove index ix on t", "add index ix on t" }, described({ idx }, { d }))
      end)
    end
  end)

  describe("rendering", function()
    it("writes every detail into op.create_index", function()
      local up = autogen.render({ { kind = "add_index", table = "t", index = {
        name = "ix", unique = true, columns = { { "a", desc = true, nulls = "last", opclass = "text_pattern_ops",
                                                  collation = "C" }, "b" },
        include = { "id" }, nulls_not_distinct = true, with = { fillfactor = 70, buffering = "auto" } } } })
      assert.equal('op.create_index("ix", "t", { { "a", desc = true, nulls = "last", opclass = "text_pattern_ops", '
        .. 'collation = "C" }, "b" }, { unique = true, include = { "id" }, nulls_not_distinct = true, '
        .. 'with = { buffering = "auto", fillfactor = 70 } })', up)
    end)
  end)
end)
