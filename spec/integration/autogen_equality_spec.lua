-- Integration specs of autogenerate's equality of expressions (issue 15
-- items 7 and 12): the server's word on defaults, check constraints and
-- index expressions the text keys find different, and env.lua's switches
-- (compare_type, compare_server_default, include_name).
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")
local equality = require("luamig.autogen.equality")
local dependents = require("luamig.autogen.dependents")

local T, meta = schema.table, schema.metadata

local steps = require("support.autogen")
local run_body, detected = steps.run_body, steps.describe_diffs

-- The revision of an edit: its upgrade leaves check clean against the
-- edited model, its downgrade against the model before the edit.
local function edit_round_trip(conn, before, after)
  local up, down = autogen.render(autogen.compare(conn, after))
  run_body(conn, up)
  assert.same({}, detected(conn, after))
  run_body(conn, down)
  assert.same({}, detected(conn, before))
end

-- What the comparison may leave in the database or the session: scratch
-- tables, and the setting that carried its input.
local function leftovers(conn)
  return conn:query([[SELECT (SELECT count(*) FROM pg_class WHERE relname LIKE 'luamig\_%' AND relpersistence = 't')::int
                               AS scratch, coalesce(current_setting('luamig.canonical', true), '') AS setting]])[1]
end

local DEFAULTS_SQL = [[CREATE TABLE d (
  t time DEFAULT '12:00', n numeric(6,2) DEFAULT 1.50, b boolean DEFAULT true,
  ts timestamptz DEFAULT '2020-01-01 12:00:00+02', s varchar(10) DEFAULT 'x',
  c timestamptz DEFAULT now(), g uuid DEFAULT gen_random_uuid(), j jsonb DEFAULT '{"a": 1}',
  p point DEFAULT '(1,2)', a int[] DEFAULT '{1,2}')]]

local function defaults_model(edits)
  local cols = {
    { "t", "time", default = "'12:00:00'" }, { "n", "numeric(6,2)", default = "1.5" },
    { "b", "boolean", default = "'true'" }, { "ts", "timestamptz", default = "'2020-01-01 10:00:00+00'" },
    { "s", "varchar(10)", default = "'x'::text" }, { "c", "timestamptz", default = "CURRENT_TIMESTAMP" },
    { "g", "uuid", default = "pg_catalog.gen_random_uuid()" }, { "j", "jsonb", default = [['{"a":1}']] },
    { "p", "point", default = "'(1, 2)'" }, { "a", "integer[]", default = "'{1, 2}'::int[]" },
  }
  for _, c in ipairs(cols) do if edits and edits[c[1]] then c.default = edits[c[1]] end end
  return meta { T("d", cols) }
end

local CHECKS_SQL = [[CREATE TABLE p (price numeric, qty int,
  CONSTRAINT ck_price CHECK (price>0 AND price<1000), CONSTRAINT ck_qty CHECK (qty BETWEEN 1 AND 5),
  CONSTRAINT ck_list CHECK (qty IN (1,2,3)))]]

local function checks_model(qty)
  return meta { T("p", { { "price", "numeric" }, { "qty", "integer" } }, { constraints = {
    { type = "check", name = "ck_price", expr = "(price > 0) and (price < 1000)" },
    { type = "check", name = "ck_qty", expr = qty or "qty >= 1 AND qty <= 5" },
    { type = "check", name = "ck_list", expr = "qty = any (array[1, 2, 3])" },
  } }) }
end

local INDEXES_SQL = [[CREATE TABLE i (a int, s text);
  CREATE INDEX ix_s ON i (lower(s)) WHERE s IN ('a','b');
  CREATE INDEX ix_a ON i (s, (a IN (1,2))) WHERE a BETWEEN 1 AND 9]]

local function indexes_model(where)
  return meta { T("i", { { "a", "integer" }, { "s", "text" } }, { indexes = {
    { "ix_s", { { expr = "lower(s::text)" } }, where = where or "s = any (array['a', 'b'])" },
    { "ix_a", { "s", { expr = "a in (1, 2)" } }, where = "a >= 1 and a <= 9" },
  } }) }
end

describe("autogen's equality of expressions", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  describe("defaults", function()
    it("finds equal what the server stores otherwise: time, numeric, boolean, timestamptz with an offset, casts, jsonb, point, arrays, functions", function()
      conn:exec(DEFAULTS_SQL)
      assert.same({}, detected(conn, defaults_model()))
    end)

    it("sees changed defaults once each, and their revision upgrades, leaves check clean and downgrades back", function()
      conn:exec(DEFAULTS_SQL)
      local edited = defaults_model { t = "'13:00'", n = "1.25", c = "statement_timestamp()" }
      assert.same({ "change default of d.t: '12:00:00'::time without time zone -> '13:00'",
                    "change default of d.n: 1.50 -> 1.25", "change default of d.c: now() -> statement_timestamp()" },
        detected(conn, edited))
      edit_round_trip(conn, defaults_model(), edited)
    end)

    it("compares a volatile default by the server's text, without evaluating it, and leaves nothing behind", function()
      conn:exec("CREATE SEQUENCE s; CREATE TABLE v (a bigint DEFAULT nextval('s'))")
      local model = meta { schema.sequence("s"), T("v", { { "a", "bigint", default = "nextval('s'::regclass) + 0" } }) }
      assert.same({ "change default of v.a: nextval('s'::regclass) -> nextval('s'::regclass) + 0" },
        detected(conn, model))
      assert.is_false(conn:query("SELECT is_called FROM s")[1].is_called)
      assert.same({ scratch = 0, setting = "" }, leftovers(conn))
    end)

    it("keeps comparing by text what the server cannot build", function()
      conn:exec("CREATE TABLE w (a int DEFAULT 1)")
      local model = meta { T("w", { { "a", "integer", default = "no_such_function()" } }) }
      assert.same({ "change default of w.a: 1 -> no_such_function()" }, detected(conn, model))
    end)
  end)

  describe("check constraints", function()
    it("finds a check expression written otherwise equal", function()
      conn:exec(CHECKS_SQL)
      assert.same({}, detected(conn, checks_model()))
    end)

    it("sees a changed check expression once, as a drop and a create, whose revision upgrades and downgrades back", function()
      conn:exec(CHECKS_SQL)
      local edited = checks_model("qty BETWEEN 1 AND 6")
      assert.same({ "remove check constraint ck_qty on p", "add check constraint ck_qty on p" }, detected(conn, edited))
      edit_round_trip(conn, checks_model(), edited)
    end)

    it("reads the expression of a NO INHERIT check", function()
      conn:exec("CREATE TABLE n (a int, CONSTRAINT ck_a CHECK (a > 0) NO INHERIT)")
      local model = meta { T("n", { { "a", "integer" } }, { constraints = {
        { type = "check", name = "ck_a", expr = "a > 0" } } }) }
      assert.same({}, detected(conn, model))
    end)
  end)

  describe("indexes", function()
    it("finds index expressions and predicates written otherwise equal", function()
      conn:exec(INDEXES_SQL)
      assert.same({}, detected(conn, indexes_model()))
    end)

    it("sees a changed predicate once, as a drop and a create, whose revision upgrades and downgrades back", function()
      conn:exec(INDEXES_SQL)
      local edited = indexes_model("s IN ('a', 'c')")
      assert.same({ "remove index ix_s on i", "add index ix_s on i" }, detected(conn, edited))
      edit_round_trip(conn, indexes_model(), edited)
    end)
  end)

  describe("env.lua's switches", function()
    local model = meta { T("t", { { "a", "bigint", default = "2" }, { "b", "text" } }) }
    before_each(function() conn:exec("CREATE TABLE t (a int DEFAULT 1, b text)") end)

    it("compare_type = false and compare_server_default = false turn those comparisons off", function()
      assert.same({ "change type of t.a: integer -> bigint", "change default of t.a: 1 -> 2" }, detected(conn, model))
      assert.same({ "change default of t.a: 1 -> 2" }, detected(conn, model, { compare_type = false }))
      assert.same({ "change type of t.a: integer -> bigint" },
        detected(conn, model, { compare_server_default = false }))
    end)

    it("hands their functions Alembic's arguments; true is different, false the same, nil the default rule", function()
      local seen = {}
      local function compare_server_default(context, inspected, metadata, inspected_value, metadata_value, rendered)
        seen[#seen + 1] = { context.name, inspected.name, metadata.name, inspected_value, metadata_value, rendered }
        return false
      end
      local function compare_type(_, inspected, _, inspected_type, metadata_type)
        if inspected.name == "b" then return true end
        assert.same({ "integer", "bigint" }, { inspected_type, metadata_type })
        return nil
      end
      assert.same({ "change type of t.a: integer -> bigint", "change type of t.b: text -> text" },
        detected(conn, model, { compare_type = compare_type, compare_server_default = compare_server_default,
                                context = { name = "ctx" } }))
      assert.same({ { "ctx", "a", "a", "1", "2", "2" } }, seen)
    end)

    it("include_name refuses schemas, tables and their contents before anything is compared", function()
      conn:exec("CREATE SCHEMA other; CREATE TABLE other.x (a int); CREATE TABLE gone (a int); CREATE INDEX ix_b ON t (b)")
      local asked = {}
      local function include_name(name, kind, parents)
        asked[#asked + 1] = kind .. ":" .. tostring(name) .. ":" .. tostring(parents.schema_qualified_table_name)
        return name ~= "other" and name ~= "gone" and name ~= "ix_b"
      end
      local plain = meta { T("t", { { "a", "integer", default = "1" }, { "b", "text" } }) }
      assert.same({}, detected(conn, plain, { include_name = include_name, schemas = { "public", "other" } }))
      table.sort(asked)
      assert.same({ "column:a:t", "column:b:t", "index:ix_b:t", "schema:nil:nil", "schema:other:nil",
                    "table:gone:nil", "table:t:nil" }, asked)
    end)

    it("refuses a switch that is not a boolean or a function in one line", function()
      local ok, err = pcall(autogen.compare, conn, model, { compare_type = "no" })
      assert.is_false(ok)
      assert.equal("env.lua: compare_type must be true, false or a function, got string", err)
    end)
  end)

  describe("functions' arguments", function()
    -- conn, counting the statements sent through it
    local function counting(c)
      local sent = { n = 0 }
      return setmetatable({}, { __index = function(_, k)
        local v = c[k]
        if type(v) ~= "function" then return v end
        return function(_, ...)
          if k == "exec" or k == "query" then sent.n = sent.n + 1 end
          return v(c, ...)
        end
      end }), sent
    end

    -- the model's functions as autogenerate reads them
    local function functions(specs)
      local list = {}
      for i, f in ipairs(specs) do
        list[i] = schema.func(f[1], { args = f.args, returns = f.returns, procedure = f.procedure,
                                      language = "plpgsql", body = "BEGIN END" })
      end
      return dependents.model(meta(list), "public").functions
    end

    it("reads the server's spelling of all functions' arguments in one batch, and sends none without arguments", function()
      local counted, sent = counting(conn)
      local none = functions { { "f", returns = "trigger" }, { "p", procedure = true } }
      equality.function_signatures(counted, none)
      assert.equal(0, sent.n)
      assert.same({ "", "" }, { none[1].identity, none[1].args })
      local some = functions { { "f", args = "a int, b text DEFAULT 'x'", returns = "int" },
                               { "g", args = "int4, OUT r varchar(3)", returns = "varchar" }, { "p", procedure = true } }
      equality.function_signatures(counted, some)
      assert.equal(2, sent.n)  -- the input, and the batch
      assert.same({ "a integer, b text", "a integer, b text DEFAULT 'x'::text" }, { some[1].identity, some[1].args })
      assert.same({ "integer, OUT r character varying", "integer, OUT r character varying" }, { some[2].identity, some[2].args })
    end)

    it("takes the spelling of a live function whose arguments are written as the server writes them, without a batch", function()
      conn:exec([[CREATE FUNCTION f(a integer, b text DEFAULT 'x'::text) RETURNS integer LANGUAGE sql AS 'SELECT a']])
      local live = require("luamig.autogen.catalog").dependents(conn, { "public" }, "public", {}).functions
      local counted, sent = counting(conn)
      local alike = functions { { "f", args = "a integer, b text DEFAULT 'x'::text", returns = "int" } }
      equality.function_signatures(counted, alike, live)
      assert.equal(0, sent.n)
      assert.same({ "a integer, b text", "a integer, b text DEFAULT 'x'::text" }, { alike[1].identity, alike[1].args })
      local otherwise = functions { { "f", args = "a int, b text = 'x'", returns = "int" } }
      equality.function_signatures(counted, otherwise, live)
      assert.equal(2, sent.n)
      assert.same({ "a integer, b text", "a integer, b text DEFAULT 'x'::text" }, { otherwise[1].identity, otherwise[1].args })
    end)
  end)
end)
