-- Integration specs of autogenerate's index details (issue 15 item 3):
-- operator classes, NULLS FIRST/LAST, collations, INCLUDE, NULLS NOT
-- DISTINCT and storage options, read from a real server, compared, and
-- rendered into op calls that run.
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")

local T, meta = schema.table, schema.metadata

local steps = require("support.autogen")
local run_body, describe_diffs, round_trip = steps.run_body, steps.describe_diffs, steps.round_trip

local function index_defs(conn)
  local out = {}
  for _, r in ipairs(conn:query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                                .. "AND tablename NOT LIKE 'luamig%'")) do
    out[r.indexname] = r.indexdef
  end
  return out
end

local COLUMNS = { { "id", "integer" }, { "a", "text" }, { "b", "text" }, { "j", "jsonb" } }

local LIVE = [[CREATE TABLE t (id int, a text, b text, j jsonb);
  CREATE INDEX ix_pattern ON t (a text_pattern_ops);
  CREATE INDEX ix_nulls ON t (a NULLS FIRST, b DESC NULLS LAST);
  CREATE INDEX ix_collate ON t (a COLLATE "C");
  CREATE UNIQUE INDEX ix_include ON t (id) INCLUDE (a, b) NULLS NOT DISTINCT;
  CREATE INDEX ix_storage ON t (b) WITH (fillfactor = 70);
  CREATE INDEX ix_json ON t USING gin (j jsonb_path_ops)]]

local function declared(overrides)
  local indexes = {
    { "ix_pattern", { { "a", opclass = "text_pattern_ops" } } },
    { "ix_nulls", { { "a", nulls = "first" }, { "b", desc = true, nulls = "last" } } },
    { "ix_collate", { { "a", collation = "C" } } },
    { "ix_include", { "id" }, unique = true, include = { "a", "b" }, nulls_not_distinct = true },
    { "ix_storage", { "b" }, with = { fillfactor = 70 } },
    { "ix_json", { { "j", opclass = "jsonb_path_ops" } }, using = "gin" },
  }
  for i, idx in ipairs(indexes) do indexes[i] = overrides[idx[1]] or idx end
  return meta { T("t", COLUMNS, { indexes = indexes }) }
end

describe("autogen index details", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("finds nothing when the model declares the live indexes' details", function()
    conn:exec(LIVE)
    assert.same({}, describe_diffs(conn, declared {}))
  end)

  it("writes nothing the server takes as the default: ASC NULLS LAST, DESC NULLS FIRST, the type's opclass", function()
    conn:exec([[CREATE TABLE t (id int, a text, b text, j jsonb);
      CREATE INDEX ix_plain ON t (a text_ops NULLS LAST, b DESC NULLS FIRST)]])
    assert.same({}, describe_diffs(conn, meta { T("t", COLUMNS, { indexes = { { "ix_plain", { "a", { "b", desc = true } } } } }) }))
  end)

  it("re-creates the live indexes from an empty model's downgrade, details and all", function()
    conn:exec(LIVE)
    local live = index_defs(conn)
    local up, down = autogen.render(autogen.compare(conn, meta {}))
    run_body(conn, up)
    run_body(conn, down)
    assert.same(live, index_defs(conn))
  end)

  local edits = {
    { "an operator class", "ix_pattern", { "ix_pattern", { "a" } } },
    { "NULLS FIRST", "ix_nulls", { "ix_nulls", { "a", { "b", desc = true } } } },
    { "a collation", "ix_collate", { "ix_collate", { { "a", collation = "POSIX" } } } },
    { "INCLUDE columns", "ix_include", { "ix_include", { "id" }, unique = true, include = { "a" },
                                         nulls_not_distinct = true } },
    { "NULLS NOT DISTINCT", "ix_include", { "ix_include", { "id" }, unique = true, include = { "a", "b" } } },
    { "a storage option", "ix_storage", { "ix_storage", { "b" }, with = { fillfactor = 80 } } },
  }
  for _, e in ipairs(edits) do
    it("sees a change of " .. e[1] .. " once, and its revision upgrades and downgrades", function()
      conn:exec(LIVE)
      local model = declared { [e[2]] = e[3] }
      assert.same({ "remove index " .. e[2] .. " on t", "add index " .. e[2] .. " on t" }, describe_diffs(conn, model))
      round_trip(conn, model)
    end)
  end
end)
