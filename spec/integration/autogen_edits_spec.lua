-- Edits of existing objects (issue 15): a domain's default, NOT NULL and
-- checks, an extension's schema, a primary key that foreign keys
-- reference, a partition's bound, a parent's PARTITION BY... Each edit of a model against a real server is detected
-- exactly once, its upgrade leaves nothing to detect and its downgrade
-- brings the first model back.
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local steps = require("support.autogen")

local T, P, meta = schema.table, schema.partition, schema.metadata
local described, edit = steps.describe_diffs, steps.edit

describe("autogen edits of existing objects", function()
  local conn
  before_each(function() local _ _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  describe("domains", function()
    local function year(opts) return schema.domain("year", "integer", opts) end
    local films = T("films", { { "released", "year" } })

    it("sees a domain's default and NOT NULL set, then dropped", function()
      local up = edit(conn, meta { year(), films }, meta { year { default = "2000", nullable = false }, films },
        { "change default of domain year: none -> 2000", "change nullable of domain year: true -> false" })
      assert.equal('op.alter_domain("year", { default = "2000", nullable = false })', up)
      edit(conn, meta { year { default = "2000", nullable = false }, films }, meta { year(), films },
        { "change default of domain year: 2000 -> none", "change nullable of domain year: false -> true" })
    end)

    it("sees a check added, removed and changed (dropped and added again)", function()
      local c1 = { name = "year_check", check = "VALUE >= 1901" }
      local c2 = { name = "year_max", check = "VALUE <= 2155" }
      local up = edit(conn, meta { year(), films }, meta { year { constraints = { c1 } }, films },
        { "add check year_check to domain year" })
      assert.equal('op.alter_domain("year", { add_constraint = { name = "year_check", check = "VALUE >= 1901" } })', up)
      edit(conn, meta { year { constraints = { c1 } }, films }, meta { year { constraints = { c2 } }, films },
        { "remove check year_check from domain year", "add check year_max to domain year" })
      conn:exec("DROP TABLE films; DROP DOMAIN year")
      edit(conn, meta { year { constraints = { c1 } }, films },
        meta { year { constraints = { { name = "year_check", check = "VALUE > 1900" } } }, films },
        { "remove check year_check from domain year", "add check year_check to domain year" })
    end)

    it("finds nothing in a check written otherwise, nor in an unnamed one the server named", function()
      edit(conn, meta { year { constraints = { { check = "value >= 1901" } } } },
        meta { year { constraints = { { check = "(VALUE >= 1901)" } }, default = "2000" } },
        { "change default of domain year: none -> 2000" })
    end)
  end)

  describe("a primary key that foreign keys reference", function()
    local function model(pk_name)
      return meta {
        T("parent", { { "id", "integer" }, { "up", "integer", references = "parent.id" } },
          { constraints = { { type = "primary_key", name = pk_name, columns = { "id" } } } }),
        T("child", { { "pid", "integer" } }, { constraints = { { type = "foreign_key", columns = { "pid" },
          referent = "parent", remote_columns = { "id" }, ondelete = "CASCADE" } } }),
      }
    end

    it("drops the keys that reference it first and creates them again after, both ways", function()
      local up, down = edit(conn, model("parent_pkey"), model("pk_parent"), {
        "remove foreign key child_pid_fkey on child", "remove foreign key parent_up_fkey on parent",
        "remove primary key parent_pkey on parent", "add primary key pk_parent on parent",
        "add foreign key child_pid_fkey on child", "add foreign key parent_up_fkey on parent" })
      assert.matches('op.drop_constraint("child_pid_fkey", "child")\nop.drop_constraint("parent_up_fkey", "parent")\n'
        .. 'op.drop_constraint("parent_pkey", "parent")', up, 1, true)
      assert.matches('op.create_foreign_key("child_pid_fkey", "child", "parent", { "pid" }, { "id" }, '
        .. '{ ondelete = "CASCADE" })', down, 1, true)
    end)
  end)

  describe("an extension's schema", function()
    it("moves an extension to the model's schema (created first) and back", function()
      local citext = function(opts) return schema.extension("citext", opts) end
      local up, down = edit(conn, meta { citext() }, meta { schema.schema("ext"), citext { schema = "ext" } },
        { "add schema ext", "change schema of extension citext: public -> ext" })
      assert.equal('op.create_schema("ext")\nop.alter_extension("citext", { schema = "ext" })', up)
      assert.equal('op.alter_extension("citext", { schema = "public" })\nop.drop_schema("ext")', down)
    end)
  end)

  describe("an identity column's sequence name", function()
    local function things(identity, opts)
      return meta { T("things", { { "id", "integer", identity = identity } }, opts) }
    end

    it("reads a sequence of another name than the default, and creates the table with it", function()
      conn:exec("CREATE SCHEMA app; CREATE TABLE app.t (id integer GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME app.t_ids))")
      assert.same({}, described(conn, meta { T("t", { { "id", "integer", identity = { "always", sequence_name = "t_ids" } } },
        { schema = "app" }) }))
      conn:exec("DROP SCHEMA app CASCADE")
      local up = edit(conn, meta {}, things({ "by default", sequence_name = "ids", start = 5 }, { schema = "s" }),
        { "add schema s", "add table s.things" })
      assert.matches('identity = { "by default", sequence_name = "ids", start = 5 }', up, 1, true)
    end)

    it("sees the sequence renamed once, and renames it back", function()
      local up, down = edit(conn, things("always"), things { "always", sequence_name = "thing_ids" },
        { "change identity sequence of things.id: things_id_seq -> thing_ids" })
      assert.equal('op.rename_sequence("things_id_seq", "thing_ids")', up)
      assert.equal('op.rename_sequence("thing_ids", "things_id_seq")', down)
    end)
  end)

  describe("a partition's bound and a parent's PARTITION BY", function()
    local function measures(by, bound)
      local parent = T("measures", { { "at", "timestamptz" }, { "v", "integer" } }, { partition_by = by })
      return meta { parent, P("m2022", parent, bound) }
    end
    local YEAR = "FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2023-01-01 00:00:00+00')"
    local HALF = "FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-07-01 00:00:00+00')"

    it("sees a bound changed once: the partition detached and attached again with the new bound, and back", function()
      local up, down = edit(conn, measures("RANGE (at)", YEAR), measures("RANGE (at)", HALF),
        { "change bound of partition m2022 of measures: " .. YEAR .. " -> " .. HALF })
      assert.equal('op.detach_partition("m2022", "measures")\nop.attach_partition("m2022", "measures", "'
        .. HALF .. '")', up)
      assert.equal('op.detach_partition("m2022", "measures")\nop.attach_partition("m2022", "measures", "'
        .. YEAR .. '")', down)
    end)

    it("splits a partition in one revision: its bound shrunk, a new partition for the rest; and merges it back", function()
      local function split(parent)
        return { P("m2022", parent, HALF),
                 P("m2022h2", parent, "FOR VALUES FROM ('2022-07-01 00:00:00+00') TO ('2023-01-01 00:00:00+00')") }
      end
      local parent = T("measures", { { "at", "timestamptz" }, { "v", "integer" } }, { partition_by = "RANGE (at)" })
      local halves = split(parent)
      local up = edit(conn, measures("RANGE (at)", YEAR), meta { parent, halves[1], halves[2] },
        { "change bound of partition m2022 of measures: " .. YEAR .. " -> " .. HALF, "add partition m2022h2 of measures" })
      assert.matches('^op.detach_partition%("m2022", "measures"%)\n', up)
    end)

    it("finds nothing in a bound or a PARTITION BY written otherwise than the server writes them", function()
      edit(conn, measures("RANGE (at)", YEAR), measures("range(at)", "for values from ('2022-01-01') to ('2023-01-01')"),
        {})
    end)

    it("refuses a changed PARTITION BY in the revision, which stops and leaves the table as it was", function()
      steps.run_body(conn, (steps.render_of(conn, measures("RANGE (at)", YEAR))))
      local model = measures("LIST (v)", "FOR VALUES IN (1)")
      assert.same({ "change PARTITION BY of table measures: RANGE (at) -> LIST (v)",
        "change bound of partition m2022 of measures: " .. YEAR .. " -> FOR VALUES IN (1)" }, described(conn, model))
      local ok, err = pcall(steps.run_body, conn, (steps.render_of(conn, model)))
      assert.is_false(ok)
      assert.equal("table measures: PARTITION BY cannot be altered (RANGE (at) -> LIST (v)): write this step by hand "
        .. "(a new partitioned table, the rows moved, the tables renamed)", err.cause)
      assert.same({}, described(conn, measures("RANGE (at)", YEAR)))
    end)
  end)

  describe("a function's arguments as the server spells them", function()
    local function fn(args, body)
      return meta { schema.func("f", { args = args, returns = "integer", language = "sql", body = body }) }
    end
    -- what, the model's arguments, as pg_get_function_identity_arguments writes them, two bodies
    local CASES = {
      { "defaults holding commas", "a int = coalesce(1, 2), b text DEFAULT '{x,y}'", "a integer, b text",
        "SELECT 1", "SELECT 2" },
      { "OUT arguments", "a integer, OUT b integer", "a integer, OUT b integer", "SELECT a", "SELECT a + 1" },
      { "VARIADIC", "VARIADIC xs int[]", "VARIADIC xs integer[]", "SELECT cardinality(xs)", "SELECT 2" },
      { "named arguments in IN and INOUT modes", "IN x int, INOUT y int", "x integer, INOUT y integer",
        "SELECT y", "SELECT x + y" },
    }
    for _, case in ipairs(CASES) do
      local label, args, identity, body1, body2 = table.unpack(case)
      it(("replaces and drops a function with %s, named as the server names it"):format(label), function()
        local up = edit(conn, fn(args, body1), fn(args, body2), { "change function f(" .. identity .. ")" })
        assert.matches("replace = true", up, 1, true)
        local drop = edit(conn, fn(args, body2), meta {}, { "remove function f(" .. identity .. ")" })
        assert.equal(('op.drop_function("f", { args = "%s" })'):format(identity), drop)
      end)
    end
  end)

  describe("the parents an existing table INHERITS", function()
    -- login has audit's column as its own, so that it may inherit audit or not
    local function model(parents)
      local event = T("event", { { "id", "integer", nullable = false }, { "at", "timestamptz" } })
      local audit = T("audit", { { "who", "text" } })
      local by_name = { event = event, audit = audit }
      local list = {}
      for i, name in ipairs(parents) do list[i] = by_name[name] end
      return meta { event, audit, T("login", { { "ip", "inet" }, { "who", "text" } }, { inherits = list }) }
    end

    it("sees a parent added once (INHERIT), and takes it away again (NO INHERIT)", function()
      local up, down = edit(conn, model { "event" }, model { "event", "audit" }, { "add parent audit to table login" })
      assert.equal('op.inherit("login", "audit")', up)
      assert.equal('op.no_inherit("login", "audit")', down)
    end)

    it("sees a parent removed once (NO INHERIT), and adds it again", function()
      local up, down = edit(conn, model { "event", "audit" }, model { "event" }, { "remove parent audit from table login" })
      assert.equal('op.no_inherit("login", "audit")', up)
      assert.equal('op.inherit("login", "audit")', down)
    end)

    it("keeps the columns a removed parent gave as the table's own (NO INHERIT), which the downgrade cannot undo", function()
      local event = T("event", { { "id", "integer", nullable = false }, { "at", "timestamptz" } })
      local before = meta { event, T("login", { { "ip", "inet" } }, { inherits = { event } }) }
      local after = meta { event, T("login", { { "id", "integer", nullable = false }, { "at", "timestamptz" }, { "ip", "inet" } }) }
      steps.run_body(conn, (steps.render_of(conn, before)))
      assert.same({ "remove parent event from table login" }, described(conn, after))
      local up, down = steps.render_of(conn, after)
      steps.run_body(conn, up)
      assert.same({}, described(conn, after))
      steps.run_body(conn, down)
      -- PostgreSQL has no statement that makes a column inherited only again
      assert.same({ "remove column login.id", "remove column login.at" }, described(conn, before))
    end)

    it("names the parents' schemas", function()
      conn:exec("CREATE SCHEMA app; CREATE TABLE app.audit (who text); CREATE TABLE login (ip inet, who text)")
      local audit = T("audit", { { "who", "text" } }, { schema = "app" })
      local up = edit(conn, meta { audit, T("login", { { "ip", "inet" }, { "who", "text" } }) },
        meta { audit, T("login", { { "ip", "inet" }, { "who", "text" } }, { inherits = { audit } }) },
        { "add parent app.audit to table login" })
      assert.equal('op.inherit("login", "audit", { parent_schema = "app" })', up)
    end)
  end)

  describe("an identity's RESTART", function()
    local function things(identity) return meta { T("things", { { "id", "integer", identity = identity }, { "v", "text" } }) } end
    local function ids()
      local out = {}
      for i, r in ipairs(conn:query("SELECT id FROM things ORDER BY v")) do out[i] = r.id end
      return out
    end

    it("restarts an identity with op.alter_column, and check stays clean (RESTART is state, not schema)", function()
      steps.run_body(conn, (steps.render_of(conn, things { "by default", increment = 2 })))
      conn:exec("INSERT INTO things (v) VALUES ('a'), ('b')")
      steps.run_body(conn, 'op.alter_column("things", "id", { set_identity = { restart = 100 } })')
      conn:exec("INSERT INTO things (v) VALUES ('c')")
      assert.same({}, described(conn, things { "by default", increment = 2 }))
      steps.run_body(conn, 'op.alter_column("things", "id", { set_identity = { increment = 5, restart = true } })')
      conn:exec("INSERT INTO things (v) VALUES ('d'), ('e')")
      assert.same({ 1, 3, 100, 1, 6 }, ids())
      assert.same({}, described(conn, things { "by default", increment = 5 }))
    end)
  end)
end)
