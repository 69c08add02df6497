-- Unit specs of partitioned tables (issue 15 item 9), no database: the
-- model DSL's schema.partition, the order of records and their rendering.
local autogen = require("luamig.autogen")
local compare = require("luamig.autogen.compare")
local ddl = require("luamig.ddl")
local model = require("luamig.autogen.model")
local schema = require("luamig.schema")

local T, P, meta = schema.table, schema.partition, schema.metadata

local error_of = require("support.expect").error_of

local function parent()
  return T("m", { { "id", "integer", nullable = false }, { "at", "date", nullable = false } },
    { partition_by = "RANGE (at)" })
end

local function partition_live(name, bound)
  return { name = name, columns = {}, indexes = {}, uniques = {}, checks = {}, fks = {}, real_schema = "public",
           partition = { parent = "m", bound = bound } }
end

describe("partitions", function()
  describe("the dialect", function()
    it("writes PARTITION BY after a table's columns, and CREATE TABLE ... PARTITION OF", function()
      assert.same({ 'CREATE TABLE "m" (\n    "at" date\n)\nPARTITION BY RANGE (at)' },
        ddl.create_table("op.test", "m", { ddl.column("op.test", { "at", "date" }) }, { partition_by = "RANGE (at)" }))
      assert.same({ 'CREATE TABLE "s"."m_1" PARTITION OF "m" DEFAULT' },
        ddl.create_partition("op.test", "m_1", "m", "DEFAULT", { schema = "s" }))
    end)
  end)

  describe("the model", function()
    it("refuses a parent that is not partitioned", function()
      assert.equal('partition "p": the parent must be a schema.table(...) with partition_by',
        error_of(P, "p", T("t", { { "a", "integer" } }), "DEFAULT"))
    end)

    it("refuses a partition's index on a column the parent does not have", function()
      assert.equal('partition "p": index "ix": unknown column "nope"',
        error_of(P, "p", parent(), "DEFAULT", { indexes = { { "ix", { "nope" } } } }))
    end)

    it("refuses a partition whose parent is not in the metadata", function()
      assert.equal('schema.metadata: partition "p": its parent "m" is not in the metadata',
        error_of(meta, { P("p", parent(), "DEFAULT") }))
    end)
  end)

  describe("comparing and rendering", function()
    it("drops partitions before their parents, and the downgrade creates the parent first", function()
      local m = { name = "m", columns = { { name = "at", type = "date" } }, indexes = {}, uniques = {}, checks = {},
                  fks = {}, real_schema = "public", partition_by = "RANGE (at)" }
      local list = compare.diffs(model.tables(meta {}, "public"), { m, partition_live("a_first", "DEFAULT") })
      assert.same({ "remove partition a_first of m", "remove table m" }, autogen.describe(list))
      local _, down = autogen.render(list)
      assert.equal('op.create_table("m", {\n  { "at", "date" },\n}, {\n  partition_by = "RANGE (at)",\n})\n'
        .. 'op.create_partition("a_first", "m", "DEFAULT")', down)
    end)

    it("finds nothing for a declared partition", function()
      local p = parent()
      local tables = model.tables(meta { p, P("m_rest", p, "DEFAULT") }, "public")
      local live_parent = { name = "m", columns = { { name = "id", type = "integer", nullable = false },
        { name = "at", type = "date", nullable = false } }, indexes = {}, uniques = {}, checks = {}, fks = {},
        real_schema = "public", partition_by = "RANGE (at)" }
      assert.same({}, autogen.describe(compare.diffs(tables, { live_parent, partition_live("m_rest", "DEFAULT") })))
    end)
  end)
end)
