-- Integration specs of the objects tables need (issue 15 items 1, 8, 10)
-- against a real server: schemas, extensions, sequences, enums and domains
-- read from the catalog, compared with a model, rendered, and the rendered
-- op calls run through the real runtime. Each edit of a model is seen
-- once, its upgrade leaves nothing to do, its downgrade goes back.
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")

local T, meta = schema.table, schema.metadata

local steps = require("support.autogen")
local run_body, described, edit = steps.run_body, steps.describe_diffs, steps.edit

local function create(conn, model, opts)
  run_body(conn, (autogen.render(autogen.compare(conn, model, opts))))
end

local function scalar(conn, sql, params)
  local row = conn:query(sql, params)[1]
  return row and row.v
end

describe("autogen objects", function()
  local conn
  before_each(function() local _ _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("creates the schema of a table in a new schema first, and drops it last", function()
    local up = edit(conn, meta {}, meta { T("things", { { "id", "integer", primary_key = true } }, { schema = "app" }) },
      { "add schema app", "add table app.things" })
    assert.matches('^op.create_schema%("app"%)', up)
    assert.is_nil(scalar(conn, "SELECT nspname AS v FROM pg_namespace WHERE nspname = 'app'"))
  end)

  it("reads every user schema with schemas = true (include_schemas = true)", function()
    conn:exec("CREATE SCHEMA extra; CREATE TABLE extra.t (id integer)")
    assert.same({ "remove table extra.t", "remove schema extra" }, described(conn, meta {}, { schemas = true }))
  end)

  it("keeps a schema the model declares with schema.schema though it holds nothing, and creates it when missing", function()
    conn:exec("CREATE SCHEMA hidden")
    assert.same({ "remove schema hidden" }, described(conn, meta {}, { schemas = true }))
    assert.same({}, described(conn, meta { schema.schema("hidden") }, { schemas = true }))
    conn:exec("DROP SCHEMA hidden")
    edit(conn, meta {}, meta { schema.schema("hidden") }, { "add schema hidden" })
  end)

  it("adds an extension before the tables using its types", function()
    local after = meta { schema.extension("citext", { schema = "public" }), T("users", { { "email", "citext" } }) }
    local up = edit(conn, meta {}, after, { "add extension citext", "add table users" })
    assert.matches('^op.create_extension%("citext", { schema = "public", if_not_exists = true }%)\nop.create_table', up)
  end)

  it("adds a sequence a default uses, OWNED BY its column once the table exists", function()
    local after = meta {
      schema.sequence("ticket_no", { as_type = "integer", start = 100, increment = 10, owned_by = "tickets.no" }),
      T("tickets", { { "no", "integer", default = "nextval('ticket_no'::regclass)" } }),
    }
    edit(conn, meta {}, after,
      { "add sequence ticket_no", "add table tickets", "change owner of sequence ticket_no: none -> tickets.no" })
  end)

  it("sees a changed sequence once and changes it back on downgrade", function()
    local before = meta { schema.sequence("s", { cache = 1 }) }
    create(conn, before)
    local up = edit(conn, before, meta { schema.sequence("s", { increment = 5, maxvalue = 1000, cycle = true }) },
      { "change increment of sequence s: 1 -> 5", "change maxvalue of sequence s: 9223372036854775807 -> 1000",
        "change cycle of sequence s: false -> true" })
    assert.equal('op.alter_sequence("s", { increment = 5, maxvalue = 1000, cycle = true })', up)
  end)

  it("keeps a serial column's own sequence implied by the column, and reads another as a sequence", function()
    conn:exec("CREATE TABLE a (id serial); CREATE SEQUENCE b_id_seq; CREATE TABLE b (id bigint DEFAULT nextval('b_id_seq'))")
    assert.same({}, described(conn, meta {
      schema.sequence("b_id_seq"),
      T("a", { { "id", "serial" } }),
      T("b", { { "id", "bigint", default = "nextval('b_id_seq'::regclass)" } }),
    }))
  end)

  it("creates an enum before the table using it and drops it after", function()
    local after = meta { schema.enum("mood", { "sad", "ok" }), T("people", { { "m", "mood", default = "'ok'" } }) }
    edit(conn, meta {}, after, { "add enum mood", "add table people" })
  end)

  it("adds an enum value usable by the rest of the upgrade, and refuses to take it back", function()
    local before = meta { schema.enum("mood", { "sad", "ok" }) }
    create(conn, before)
    local after = meta { schema.enum("mood", { "sad", "meh", "ok" }) }
    assert.same({ 'add value "meh" to enum mood' }, described(conn, after))
    local up, down = autogen.render(autogen.compare(conn, after))
    run_body(conn, up .. "\nop.execute(\"SELECT 'meh'::mood\")")
    assert.same({}, described(conn, after))
    local ok, err = pcall(run_body, conn, down)
    assert.is_false(ok)
    assert.equal('enum mood: value "meh" would have to go; PostgreSQL\'s ALTER TYPE only adds values: '
      .. "write this step by hand", err.cause)
  end)

  it("refuses a reordered enum rather than leave it otherwise than the model", function()
    create(conn, meta { schema.enum("mood", { "sad", "ok" }) })
    local up = autogen.render(autogen.compare(conn, meta { schema.enum("mood", { "ok", "sad" }) }))
    assert.has_error(function() run_body(conn, up) end)
    assert.equal("{sad,ok}", scalar(conn, "SELECT enum_range(NULL::mood)::text AS v"))
  end)

  it("creates a domain with its checks before the tables using it", function()
    local after = meta {
      schema.domain("year", "integer", { constraints = { { name = "year_check", check = "VALUE >= 1901 AND VALUE <= 2155" } } }),
      T("films", { { "released", "year" } }),
    }
    edit(conn, meta {}, after, { "add domain year", "add table films" })
  end)
end)
