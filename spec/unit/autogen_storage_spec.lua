-- Unit specs of table storage (issue 15 item 11), no database: UNLOGGED,
-- storage options and statistics targets in the dialect, compared and
-- rendered.
local autogen = require("luamig.autogen")
local compare = require("luamig.autogen.compare")
local ddl = require("luamig.ddl")
local model = require("luamig.autogen.model")
local schema = require("luamig.schema")

local T, meta = schema.table, schema.metadata
local W = "op.test"

local error_of = require("support.expect").error_of

local function live(extra)
  local t = { name = "c", columns = { { name = "k", type = "text" } }, indexes = {}, uniques = {}, checks = {},
              fks = {}, real_schema = "public" }
  for k, v in pairs(extra) do t[k] = v end
  return t
end

local function diffs(opts, extra)
  return compare.diffs(model.tables(meta { T("c", { { "k", "text" } }, opts) }, "public"), { live(extra) })
end

describe("table storage", function()
  describe("the dialect", function()
    it("writes CREATE UNLOGGED TABLE ... WITH (...)", function()
      assert.same({ 'CREATE UNLOGGED TABLE "c" (\n    "k" text\n) WITH (autovacuum_enabled = false, fillfactor = 70)' },
        ddl.create_table(W, "c", { ddl.column(W, { "k", "text" }) },
          { unlogged = true, with = { fillfactor = 70, autovacuum_enabled = false } }))
    end)

    it("alters persistence and storage options, and a column's statistics target", function()
      assert.same({ 'ALTER TABLE "s"."c" SET LOGGED', 'ALTER TABLE "s"."c" SET (fillfactor = 80)',
                    'ALTER TABLE "s"."c" RESET ("autovacuum_enabled")' },
        ddl.alter_table(W, "c", { schema = "s", unlogged = false, with = { fillfactor = 80 },
                                  reset = { "autovacuum_enabled" } }))
      assert.same({ 'ALTER TABLE "c" ALTER COLUMN "k" SET STATISTICS 500' }, ddl.alter_column(W, "c", "k", { statistics = 500 }))
    end)

    it("refuses an alter_table with nothing to change, and a statistics target that is not an integer", function()
      assert.equal("op.test: nothing to change: give unlogged, with or reset", error_of(ddl.alter_table, W, "c", {}))
      assert.equal("op.test: statistics must be an integer, -1 for the default, got 1.5",
        error_of(ddl.alter_column, W, "c", "k", { statistics = 1.5 }))
    end)
  end)

  describe("the model", function()
    it("refuses statistics of a column the table does not have", function()
      assert.equal('table "c": statistics: unknown column "nope"',
        error_of(T, "c", { { "k", "text" } }, { statistics = { nope = 10 } }))
    end)
  end)

  describe("comparing and rendering", function()
    it("finds nothing when the options agree, numbers or the catalog's text", function()
      assert.same({}, autogen.describe(diffs({ unlogged = true, with = { fillfactor = 70 }, statistics = { k = 5 } },
        { unlogged = true, with = { fillfactor = "70" }, statistics = { k = 5 } })))
    end)

    it("sets what changed and resets what the model dropped, and the downgrade undoes it", function()
      local list = diffs({ with = { fillfactor = 80 }, statistics = { k = 100 } },
        { unlogged = true, with = { fillfactor = 70, autovacuum_enabled = "false" } })
      assert.same({ "change persistence of table c: UNLOGGED -> LOGGED", "change storage options of table c",
                    "change statistics of c.k: default -> 100" }, autogen.describe(list))
      local up, down = autogen.render(list)
      assert.equal('op.alter_table("c", { unlogged = false, with = { fillfactor = 80 }, reset = { "autovacuum_enabled" } })\n'
        .. 'op.alter_column("c", "k", { statistics = 100 })', up)
      assert.equal('op.alter_column("c", "k", { statistics = -1 })\n'
        .. 'op.alter_table("c", { unlogged = true, with = { autovacuum_enabled = "false", fillfactor = 70 } })', down)
    end)
  end)
end)
