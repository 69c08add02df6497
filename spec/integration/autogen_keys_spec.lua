-- Integration specs of autogenerate's primary keys on existing tables
-- (issue 15 item 11): a changed key is detected once, as a drop and a
-- create of the constraint, and its revision upgrades, leaves check clean
-- and downgrades back.
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")

local T, meta = schema.table, schema.metadata

local steps = require("support.autogen")
local run_body, describe_diffs, round_trip = steps.run_body, steps.describe_diffs, steps.round_trip

describe("autogen primary keys", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("finds nothing when the key is the same, inline or as a constraint", function()
    conn:exec("CREATE TABLE t (a int PRIMARY KEY, b int); CREATE TABLE u (a int, b int, CONSTRAINT pk_u PRIMARY KEY (a, b))")
    assert.same({}, describe_diffs(conn, meta {
      T("t", { { "a", "integer", primary_key = true }, { "b", "integer" } }),
      T("u", { { "a", "integer" }, { "b", "integer" } },
        { constraints = { { type = "primary_key", name = "pk_u", columns = { "a", "b" } } } }),
    }))
  end)

  it("sees a primary key moved to other columns once", function()
    conn:exec("CREATE TABLE t (a int PRIMARY KEY, b int)")
    local model = meta { T("t", { { "a", "integer" }, { "b", "integer", primary_key = true } }) }
    assert.same({ "remove primary key t_pkey on t", "change nullability of t.a: NOT NULL -> NULL",
                  "change nullability of t.b: NULL -> NOT NULL", "add primary key t_pkey on t" },
      describe_diffs(conn, model))
    round_trip(conn, model)
  end)

  it("sees a primary key's new name once", function()
    conn:exec("CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))")
    local model = meta { T("t", { { "a", "integer" }, { "b", "integer" } },
      { constraints = { { type = "primary_key", name = "pk_t", columns = { "a", "b" } } } }) }
    assert.same({ "remove primary key t_pkey on t", "add primary key pk_t on t" }, describe_diffs(conn, model))
    round_trip(conn, model)
  end)

  it("sees a primary key added to and removed from an existing table", function()
    conn:exec("CREATE TABLE t (a int NOT NULL); CREATE TABLE u (a int PRIMARY KEY)")
    local model = meta { T("t", { { "a", "integer", primary_key = true } }), T("u", { { "a", "integer", nullable = false } }) }
    assert.same({ "remove primary key u_pkey on u", "add primary key t_pkey on t" }, describe_diffs(conn, model))
    round_trip(conn, model)
  end)

  it("leaves the key of a column being added to add_column", function()
    conn:exec("CREATE TABLE t (b int)")
    local model = meta { T("t", { { "id", "serial", primary_key = true }, { "b", "integer" } }) }
    assert.same({ "add column t.id" }, describe_diffs(conn, model))
    round_trip(conn, model)
  end)
end)

describe("autogen exclusion constraints", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  local LIVE = [[CREATE TABLE booking (room int, during tstzrange, note text,
    CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&) WHERE (room > 0),
    CONSTRAINT one_note EXCLUDE USING btree (lower(note) WITH =, room WITH =))]]
  local COLUMNS = { { "room", "integer" }, { "during", "tstzrange" }, { "note", "text" } }

  local function declared(no_overlap)
    return meta { T("booking", COLUMNS, { constraints = {
      no_overlap or { type = "exclude", name = "no_overlap", using = "gist", elements = { { "during", with = "&&" } },
                      where = "room > 0" },
      { type = "exclude", name = "one_note", elements = { { expr = "lower(note)", with = "=" }, { "room", with = "=" } } },
    } }) }
  end

  local function definitions()
    local out = {}
    for _, r in ipairs(conn:query("SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'x'")) do
      out[r.conname] = r.def
    end
    return out
  end

  it("finds nothing when the model declares the live ones", function()
    conn:exec(LIVE)
    assert.same({}, describe_diffs(conn, declared()))
  end)

  it("re-creates them from an empty model's downgrade", function()
    conn:exec(LIVE)
    local live = definitions()
    local up, down = autogen.render(autogen.compare(conn, meta {}))
    run_body(conn, up)
    run_body(conn, down)
    assert.same(live, definitions())
  end)

  it("sees a changed one once, and its revision upgrades and downgrades", function()
    conn:exec(LIVE)
    local model = declared { type = "exclude", name = "no_overlap", using = "gist", elements = { { "during", with = "&&" } } }
    assert.same({ "remove exclusion constraint no_overlap on booking", "add exclusion constraint no_overlap on booking" },
      describe_diffs(conn, model))
    local up = round_trip(conn, model)
    assert.matches('op.create_exclude_constraint("no_overlap", "booking", { { "during", with = "&&" } }, { using = "gist" })',
      up, 1, true)
  end)
end)
