-- Integration specs of autogenerate's table inheritance (issue 15 item
-- 11): INHERITS read back as the model declares it (a child lists only its
-- own columns), created after their parents and dropped before them.
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")

local T, meta = schema.table, schema.metadata

local steps = require("support.autogen")
local run_body, describe_diffs, round_trip = steps.run_body, steps.describe_diffs, steps.round_trip

local LIVE = [[CREATE TABLE event (id int NOT NULL, at timestamptz DEFAULT now(), CHECK (id > 0));
  CREATE TABLE audit (who text);
  CREATE TABLE login (ip inet, CONSTRAINT login_pkey PRIMARY KEY (id)) INHERITS (event);
  CREATE INDEX ix_login_at ON login (at)]]

local function model(login_inherits)
  local event = T("event", { { "id", "integer", nullable = false }, { "at", "timestamptz", default = "now()" } },
    { constraints = { { type = "check", name = "event_id_check", expr = "id > 0" } } })
  local audit = T("audit", { { "who", "text" } })
  local parents = login_inherits and login_inherits(event, audit) or { event }
  local login = T("login", { { "ip", "inet" } }, { inherits = parents,
    constraints = { { type = "primary_key", columns = { "id" } } },
    indexes = { { "ix_login_at", { "at" } } } })
  return meta { login, event, audit }
end

describe("autogen table inheritance", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("finds nothing when the model declares the child with its own columns and its parent", function()
    conn:exec(LIVE)
    assert.same({}, describe_diffs(conn, model()))
  end)

  it("re-creates the tables from an empty model's downgrade, parents first", function()
    conn:exec(LIVE)
    local up, down = autogen.render(autogen.compare(conn, meta {}))
    run_body(conn, up)
    run_body(conn, down)
    assert.same({}, describe_diffs(conn, model()))
    assert.matches('inherits = { "event" }', down, 1, true)
  end)

  it("sees a new child of a live parent once, and its revision upgrades and downgrades", function()
    conn:exec("CREATE TABLE event (id int NOT NULL, at timestamptz DEFAULT now(), CHECK (id > 0)); CREATE TABLE audit (who text)")
    local m = model(function(event, audit) return { event, audit } end)
    assert.same({ "add table login", "add index ix_login_at on login" }, describe_diffs(conn, m))
    local up = round_trip(conn, m)
    assert.matches('inherits = { "event", "audit" }', up, 1, true)
  end)

end)
