-- The objects tables need (issue 15 items 1, 8, 10) through the binary, as
-- a user runs it: revision --autogenerate writes a revision file, upgrade
-- runs it, check finds nothing left, downgrade goes back; an enum value
-- added in the model is added in a committed transaction of its own, and
-- the step PostgreSQL cannot take back stops the downgrade with one line.
local helpers = require("support.helpers")

local run = helpers.run

-- env.lua with the model given as the source of schema.metadata's list.
local function set_model(dir, items)
  helpers.write(dir .. "/migrations/env.lua", ([[
local schema = require("luamig.schema")
return { target_metadata = schema.metadata {
%s
} }
]]):format(items))
end

local FIRST = [[
  schema.enum("mood", { "sad", "ok" }),
  schema.sequence("ticket_no", { as_type = "integer", start = 100, owned_by = "tickets.no" }),
  schema.table("tickets", { { "no", "integer", default = "nextval('ticket_no'::regclass)" },
                            { "m", "mood", default = "'ok'" } }),
]]

-- the same in the schema app, which does not exist yet
local IN_APP = [[
  schema.enum("mood", { "sad", "ok" }, { schema = "app" }),
  schema.sequence("ticket_no", { as_type = "integer", start = 100, owned_by = "tickets.no", schema = "app" }),
  schema.table("tickets", { { "no", "integer", default = "nextval('app.ticket_no'::regclass)" },
                            { "m", "app.mood", default = "'ok'::app.mood" } }, { schema = "app" }),
]]

describe("autogenerate of schemas, sequences and enums through the binary", function()
  local conn, dir, env
  before_each(function()
    local url
    url, conn = helpers.fresh_db()
    dir = helpers.project { url = url }
    env = { env = { LUAMIG_URL = url } }
  end)
  after_each(function() conn:close() end)

  it("writes a revision that upgrades, leaves check clean and downgrades to nothing", function()
    set_model(dir, IN_APP)
    local code, _, err = run(dir, "revision --autogenerate -m first --rev-id r1", env)
    assert.equal(0, code, err)
    assert.matches("Detected add schema app", err, 1, true)
    code, _, err = run(dir, "upgrade head", env)
    assert.equal(0, code, err)
    local out
    code, out = run(dir, "check", env)
    assert.equal(0, code, out)
    code, _, err = run(dir, "downgrade base", env)
    assert.equal(0, code, err)
    assert.same({}, conn:query("SELECT 1 FROM pg_namespace WHERE nspname = 'app'"))
  end)

  it("adds an enum value the rest of the upgrade can use, and refuses to take it back", function()
    set_model(dir, FIRST)
    assert.equal(0, (run(dir, "revision --autogenerate -m first --rev-id r1", env)))
    assert.equal(0, (run(dir, "upgrade head", env)))
    set_model(dir, (FIRST:gsub('{ "sad", "ok" }', '{ "sad", "meh", "ok" }')))
    local code, out = run(dir, "check", env)
    assert.equal(1, code)
    assert.equal('Detected add value "meh" to enum mood\n', out)
    assert.equal(0, (run(dir, "revision --autogenerate -m meh --rev-id r2", env)))
    local path = dir .. "/migrations/versions/r2_meh.lua"
    local text = helpers.read(path)
    assert.matches('op.autocommit(function() op.add_enum_value("mood", "meh", { after = "sad" }) end)', text, 1, true)
    -- the rest of the upgrade uses the new value
    helpers.write(path, (text:gsub("end%)\n", "end)\n    op.execute(\"INSERT INTO tickets (m) VALUES ('meh')\")\n", 1)))
    local err
    code, _, err = run(dir, "upgrade head", env)
    assert.equal(0, code, err)
    code, out = run(dir, "check", env)
    assert.equal(0, code, out)
    code, _, err = run(dir, "downgrade -1", env)
    assert.equal(1, code)
    assert.matches('enum mood: value "meh" would have to go; PostgreSQL\'s ALTER TYPE only adds values: '
      .. "write this step by hand", err, 1, true)
  end)
end)
