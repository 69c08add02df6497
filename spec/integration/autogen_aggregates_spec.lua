-- Integration specs of autogenerate's aggregates and the indexes of
-- materialized views (issue 15: pagila's views call group_concat, its
-- materialized view has a unique index) against a real server.
local helpers = require("support.helpers")
local support = require("support.autogen")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")

local T, meta = schema.table, schema.metadata

-- The server's own account of every aggregate, view and index of public.
local function definitions(conn)
  local out = {}
  for _, r in ipairs(conn:query([[
    SELECT p.oid::regprocedure::text AS name,
           concat_ws(' ', a.aggkind, a.aggtransfn, a.aggtranstype::regtype, a.aggfinalfn, a.aggcombinefn,
                     a.agginitval, a.aggmtransfn, a.aggminvtransfn, a.aggmtranstype::regtype, a.aggsortop,
                     p.proparallel, obj_description(p.oid, 'pg_proc')) AS def
    FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid WHERE p.pronamespace = 'public'::regnamespace
    UNION ALL SELECT c.oid::regclass::text, pg_get_viewdef(c.oid) FROM pg_class c WHERE c.relkind IN ('v', 'm')
      AND c.relnamespace = 'public'::regnamespace
    UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'luamig%']])) do
    out[r.name] = r.def
  end
  return out
end

-- pagila's aggregate, a view calling it, a materialized view and its index,
-- and aggregates with more of CREATE AGGREGATE's clauses.
local PAGILA = [[
CREATE TABLE actor (actor_id integer PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
CREATE FUNCTION _group_concat(text, text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
SELECT CASE
  WHEN $2 IS NULL THEN $1
  WHEN $1 IS NULL THEN $2
  ELSE $1 || ', ' || $2
END
$_$;
CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);
CREATE AGGREGATE sum_twice(integer) (SFUNC = int4pl, STYPE = integer, FINALFUNC = int4um, INITCOND = '0',
    COMBINEFUNC = int4pl, PARALLEL = SAFE, MSFUNC = int4pl, MINVFUNC = int4mi, MSTYPE = integer, MINITCOND = '0');
CREATE AGGREGATE biggest(integer) (SFUNC = int4larger, STYPE = integer, SORTOP = >);
CREATE AGGREGATE my_rank(VARIADIC "any" ORDER BY VARIADIC "any") (SFUNC = ordered_set_transition_multi,
    STYPE = internal, FINALFUNC = rank_final, FINALFUNC_EXTRA, HYPOTHETICAL);
COMMENT ON AGGREGATE group_concat(text) IS 'joins with commas';
CREATE VIEW actor_names AS SELECT group_concat(actor.first_name) AS names FROM actor;
CREATE MATERIALIZED VIEW actor_counts AS SELECT actor.last_name, count(*) AS n FROM actor GROUP BY actor.last_name
  WITH NO DATA;
CREATE UNIQUE INDEX actor_counts_name ON actor_counts USING btree (last_name);
CREATE INDEX actor_counts_n ON actor_counts (n DESC) WHERE n > 1;
]]

local function actor()
  return T("actor", { { "actor_id", "integer", primary_key = true }, { "first_name", "text", nullable = false },
                      { "last_name", "text", nullable = false } })
end

local CONCAT_BODY = "\nSELECT CASE WHEN $2 IS NULL THEN $1 WHEN $1 IS NULL THEN $2 ELSE $1 || ', ' || $2 END\n"

local function concat_function()
  return schema.func("_group_concat", { args = "text, text", returns = "text", language = "sql",
                                        volatility = "immutable", body = CONCAT_BODY })
end

local function group_concat(spec)
  local s = { args = "text", sfunc = "_group_concat", stype = "text" }
  for k, v in pairs(spec or {}) do s[k] = v end
  return schema.aggregate("group_concat", s)
end

describe("autogenerate: aggregates and indexes of materialized views", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("an empty model's round trip re-creates pagila's aggregate, its views and the materialized view's indexes",
    function()
      conn:exec(PAGILA)
      local before = definitions(conn)
      local up, down = autogen.render(autogen.compare(conn, meta {}))
      support.run_body(conn, up)
      assert.same({}, definitions(conn))
      support.run_body(conn, down)
      assert.same(before, definitions(conn))
      -- the view that calls it goes first and comes back after it; the
      -- aggregate goes before the function it calls
      assert.is_true(up:find('op.drop_view("actor_names")', 1, true) < up:find('op.drop_aggregate("group_concat"', 1, true))
      assert.is_true(up:find('op.drop_aggregate("group_concat"', 1, true)
        < up:find('op.drop_function("_group_concat"', 1, true))
      assert.is_true(down:find('op.create_aggregate("group_concat"', 1, true)
        < down:find('op.create_view("actor_names"', 1, true))
    end)

  it("the reflected model of those finds nothing", function()
    conn:exec(PAGILA)
    local catalog = require("luamig.autogen.catalog")
    local _, _, objects = catalog.inspect(conn, { "public" })
    local live = catalog.dependents(conn, { "public" }, nil, objects.view_indexes)
    assert.equal(4, #live.aggregates)
    local items = { actor() }
    for _, a in ipairs(live.aggregates) do
      local spec = {}
      for k, v in pairs(a) do if k ~= "name" and k ~= "identity" then spec[k] = v end end
      items[#items + 1] = schema.aggregate(a.name, spec)
    end
    local functions = live.functions
    items[#items + 1] = schema.func(functions[1].name, { args = functions[1].args, returns = functions[1].returns,
      language = "sql", volatility = "immutable", body = functions[1].body })
    for _, v in ipairs(live.views) do
      items[#items + 1] = schema.view(v.name, v.sql, { materialized = v.materialized, indexes = v.indexes })
    end
    assert.same({}, support.describe_diffs(conn, meta(items)))
  end)

  describe("a model edit", function()
    -- The model applied, then edited: seen exactly once, its revision
    -- upgrades and leaves nothing, its downgrade comes back.
    local function edit(from, to, expected)
      support.run_body(conn, (autogen.render(autogen.compare(conn, from))))
      assert.same({}, support.describe_diffs(conn, from))
      local before = definitions(conn)
      local diffs = autogen.compare(conn, to)
      assert.same(expected, autogen.describe(diffs))
      local up, down = autogen.render(diffs)
      support.run_body(conn, up)
      assert.same({}, support.describe_diffs(conn, to))
      support.run_body(conn, down)
      assert.same({}, support.describe_diffs(conn, from))
      assert.same(before, definitions(conn))
      return up
    end
    local view_sql = " SELECT group_concat(actor.first_name) AS names\n   FROM actor;"

    it("sees an aggregate added", function()
      edit(meta { actor(), concat_function() }, meta { actor(), concat_function(), group_concat() },
           { "add aggregate group_concat(text)" })
    end)

    it("sees an aggregate removed", function()
      edit(meta { actor(), concat_function(), group_concat() }, meta { actor(), concat_function() },
           { "remove aggregate group_concat(text)" })
    end)

    it("sees an aggregate changed, and drops and re-creates the views that call it", function()
      local up = edit(meta { actor(), concat_function(), group_concat(), schema.view("names", view_sql) },
        meta { actor(), concat_function(), group_concat { initcond = "" }, schema.view("names", view_sql) },
        { "remove view names", "remove aggregate group_concat(text)", "add aggregate group_concat(text)",
          "add view names" })
      assert.matches('initcond = ""', up, 1, true)
    end)

    it("sees an index of a materialized view added and removed", function()
      local function counts(indexes)
        return schema.view("counts", " SELECT actor.last_name\n   FROM actor;",
                           { materialized = true, indexes = indexes })
      end
      edit(meta { actor(), counts() }, meta { actor(), counts { { "counts_name", { "last_name" }, unique = true } } },
           { "add index counts_name on counts" })
      edit(meta { actor(), counts { { "counts_name", { "last_name" } } } }, meta { actor(), counts() },
           { "remove index counts_name on counts" })
    end)
  end)
end)
