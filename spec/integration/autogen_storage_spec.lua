-- Integration specs of autogenerate's table storage (issue 15 item 11):
-- UNLOGGED tables, table storage options (WITH (fillfactor = ...)) and
-- column statistics targets (SET STATISTICS n): read, compared once,
-- rendered into op calls that run both ways.
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")

local T, meta = schema.table, schema.metadata

local steps = require("support.autogen")
local run_body, describe_diffs, round_trip = steps.run_body, steps.describe_diffs, steps.round_trip

local LIVE = [[CREATE UNLOGGED TABLE cache (k text, v text) WITH (fillfactor = 70, autovacuum_enabled = false);
  ALTER TABLE cache ALTER COLUMN v SET STATISTICS 500]]


local function cache(opts)
  return meta { T("cache", { { "k", "text" }, { "v", "text" } }, opts) }
end

local DECLARED = { unlogged = true, with = { fillfactor = 70, autovacuum_enabled = false }, statistics = { v = 500 } }

describe("autogen table storage", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  local function state()
    -- storage options come back in name order: a Lua table has none of its own
    local r = conn:query([[SELECT c.relpersistence,
      (SELECT string_agg(o, ',' ORDER BY o) FROM unnest(c.reloptions) AS o) AS options,
      (SELECT attstattarget FROM pg_attribute WHERE attrelid = c.oid AND attname = 'v') AS stat
      FROM pg_class c WHERE relname = 'cache']])[1]
    return r
  end

  it("finds nothing when the model declares them", function()
    conn:exec(LIVE)
    assert.same({}, describe_diffs(conn, cache(DECLARED)))
  end)

  it("re-creates them from an empty model's downgrade", function()
    conn:exec(LIVE)
    local live = state()
    local up, down = autogen.render(autogen.compare(conn, meta {}))
    run_body(conn, up)
    run_body(conn, down)
    assert.same(live, state())
  end)

  for _, case in ipairs {
    { "UNLOGGED", { with = DECLARED.with, statistics = DECLARED.statistics }, "change persistence of table cache: UNLOGGED -> LOGGED" },
    { "a storage option", { unlogged = true, with = { fillfactor = 80 }, statistics = DECLARED.statistics },
      "change storage options of table cache" },
    { "a statistics target", { unlogged = true, with = DECLARED.with, statistics = { k = 100 } },
      "change statistics of cache.k: default -> 100" },
  } do
    it("sees a change of " .. case[1] .. " once, and its revision upgrades and downgrades", function()
      conn:exec(LIVE)
      local model = cache(case[2])
      local lines = describe_diffs(conn, model)
      assert.equal(case[3], lines[1])
      round_trip(conn, model)
    end)
  end
end)
