-- Integration specs of luamig.autogen against a real server: introspection,
-- compare, and the rendered op calls run through the real runtime.
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")

local T, meta = schema.table, schema.metadata

local steps = require("support.autogen")
local run_body, describe_diffs = steps.run_body, steps.describe_diffs

local function wall_clock()
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

-- compare -> render -> upgrade -> nothing left to do -> downgrade.
-- Returns the rendered texts.
local function round_trip(conn, model, opts)
  local diffs = autogen.compare(conn, model, opts)
  assert.is_true(#diffs > 0, "expected differences before the upgrade")
  local up, down = autogen.render(diffs)
  run_body(conn, up)
  assert.same({}, describe_diffs(conn, model, opts))
  run_body(conn, down)
  return up, down
end

local function user_tables(conn, schema_name)
  local out = {}
  for _, t in ipairs(helpers.tables(conn, schema_name)) do
    if t ~= "luamig_version" and t ~= "luamig_history" then out[#out + 1] = t end
  end
  return out
end

local function blog_model()
  return meta {
    T("users", {
      { "id", "bigserial", primary_key = true },
      { "email", "varchar(200)", nullable = false, unique = true },
      { "team_id", "int4", references = { table = "teams", column = "id", ondelete = "SET NULL" } },
      { "name", "text", default = "'anon'", comment = "display name" },
      { "score", "numeric(10,2)", default = "0", check = "score >= 0" },
      { "tags", "text[]", default = "'{}'" },
      { "active", "bool", nullable = false, default = "true" },
      { "created_at", "timestamptz", nullable = false, default = "now()" },
      { "ratio", "float8" },
    }, {
      comment = "people",
      indexes = {
        { "ix_users_lower_email", { { expr = "lower(email)" } } },
        { "ix_users_active_created", { "active", { "created_at", desc = true } }, where = "active" },
      },
      constraints = {
        { type = "unique", name = "uq_users_team_name", columns = { "team_id", "name" } },
        { type = "check", name = "ck_users_email", expr = "email LIKE '%@%'" },
      },
    }),
    T("posts", {
      { "id", "serial", primary_key = true },
      { "author_id", "bigint", nullable = false },
      { "title", "character varying(100)", nullable = false, default = "'untitled'" },
      { "body", "text" },
    }, {
      indexes = { { "ix_posts_title", { "title" }, unique = true } },
      constraints = {
        { type = "foreign_key", name = "fk_posts_author", columns = { "author_id" },
          referent = "users", remote_columns = { "id" }, ondelete = "cascade" },
      },
    }),
    T("teams", {
      { "id", "integer", primary_key = true },
      { "name", "text", nullable = false },
    }),
  }
end

describe("autogen", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  describe("round trip", function()
    it("creates a model on an empty database, then finds nothing, and the downgrade empties it again", function()
      local up = round_trip(conn, blog_model())
      assert.same({}, user_tables(conn))
      -- referenced tables come first although the model lists teams last
      assert.is_true(up:find('op.create_table("teams"', 1, true) < up:find('op.create_table("users"', 1, true))
      assert.is_true(up:find('op.create_table("users"', 1, true) < up:find('op.create_table("posts"', 1, true))
    end)

    it("breaks a cycle of foreign keys with a separate create_foreign_key", function()
      local model = meta {
        T("a", { { "id", "integer", primary_key = true }, { "b_id", "integer", references = "b.id" } }),
        T("b", { { "id", "integer", primary_key = true }, { "a_id", "integer", references = "a.id" } }),
        T("c", { { "id", "integer", primary_key = true }, { "parent", "integer", references = "c.id" } }),
      }
      local up = round_trip(conn, model)
      assert.matches('op.create_foreign_key("a_b_id_fkey", "a", "b", { "b_id" }, { "id" })', up, 1, true)
      assert.same({}, user_tables(conn))
    end)

    it("adds a new table's foreign key after the column and unique constraint it points at", function()
      conn:exec("CREATE TABLE accounts (id int)")
      local model = meta {
        T("accounts", { { "id", "integer" }, { "code", "text", unique = true } }),
        T("invoices", { { "account_code", "text", references = "accounts.code" } }),
      }
      local up = round_trip(conn, model)
      assert.is_true(up:find("op.add_column", 1, true) < up:find("op.create_foreign_key", 1, true))
      assert.same({ "accounts" }, user_tables(conn))
    end)

    it("renders nothing when nothing differs", function()
      assert.same({ "", "" }, { autogen.render(autogen.compare(conn, meta {})) })
    end)

    it("drops a live schema the model does not have and recreates it on downgrade", function()
      local model = blog_model()
      run_body(conn, (autogen.render(autogen.compare(conn, model))))
      local empty = meta {}
      local up, down = autogen.render(autogen.compare(conn, empty))
      run_body(conn, up)
      assert.same({}, user_tables(conn))
      run_body(conn, down)
      assert.same({}, describe_diffs(conn, model))
    end)

    it("keeps hostile table, column, index and constraint names intact", function()
      local bad = 'we"ird; DROP TABLE x; --'
      local model = meta {
        T("it's a \"table\"", {
          { "id", "integer", primary_key = true },
          { bad, "text", comment = "it's\nmulti-line; -- yes" },
          { "Mixed Case", "integer", unique = true },
        }, {
          comment = "\"quoted\" ]] comment",
          indexes = { { "ix; with spaces", { bad } } },
          constraints = { { type = "check", name = "ck 'x'", expr = "id > 0" } },
        }),
        T("new\nline", {
          { "ref", "integer", references = { table = "it's a \"table\"", column = "id" } },
        }),
      }
      local up = round_trip(conn, model)
      assert.is_nil(up:find("\n--", 1, true), "no rendered line may start a comment")
      assert.same({}, user_tables(conn))
    end)
  end)

  describe("detecting one change", function()
    local function setup(sql) conn:exec(sql) end

    it("sees an added and a removed table", function()
      setup("CREATE TABLE old (id int)")
      assert.same({ "remove table old", "add table new" },
        describe_diffs(conn, meta { T("new", { { "id", "integer" } }) }))
    end)

    it("sees added and removed columns and suggests a rename", function()
      setup("CREATE TABLE t (id int, name text)")
      local model = meta { T("t", { { "id", "integer" }, { "full_name", "text" } }) }
      assert.same({ "add column t.full_name", "remove column t.name" }, describe_diffs(conn, model))
      local up = round_trip(conn, model)
      assert.matches('-- a drop and an add of t.name -> t.full_name: if this was a rename, use '
        .. 'op.alter_column("t", "name", { new_name = "full_name" })', up, 1, true)
    end)

    it("sees a type change", function()
      setup("CREATE TABLE users (email text)")
      local model = meta { T("users", { { "email", "varchar(200)" } }) }
      assert.same({ "change type of users.email: text -> varchar(200)" }, describe_diffs(conn, model))
      round_trip(conn, model)
      assert.equal("text", helpers.columns(conn, "users").email.data_type)
    end)

    it("sees a nullability change", function()
      setup("CREATE TABLE t (a int)")
      local model = meta { T("t", { { "a", "integer", nullable = false } }) }
      assert.same({ "change nullability of t.a: NULL -> NOT NULL" }, describe_diffs(conn, model))
      round_trip(conn, model)
    end)

    it("sees a default added, changed and dropped", function()
      setup("CREATE TABLE t (a int, b text DEFAULT 'x', c int DEFAULT 1)")
      local model = meta { T("t", { { "a", "integer", default = "5" }, { "b", "text", default = "'y'" },
                                    { "c", "integer" } }) }
      assert.same({ "change default of t.a: none -> 5", "change default of t.b: 'x'::text -> 'y'",
                    "change default of t.c: 1 -> none" }, describe_diffs(conn, model))
      round_trip(conn, model)
      assert.equal("'x'::text", helpers.columns(conn, "t").b.column_default)
    end)

    it("sees column and table comment changes", function()
      setup("CREATE TABLE t (a int); COMMENT ON COLUMN t.a IS 'old'; COMMENT ON TABLE t IS 'gone'")
      local model = meta { T("t", { { "a", "integer", comment = "new" } }) }
      assert.same({ "change comment of table t", "change comment of t.a" }, describe_diffs(conn, model))
      round_trip(conn, model)
    end)

    it("sees indexes added, removed and changed", function()
      setup("CREATE TABLE t (a int, b int); CREATE INDEX ix_a ON t (a); CREATE INDEX ix_b ON t (b)")
      local model = meta { T("t", { { "a", "integer" }, { "b", "integer" } }, {
        indexes = { { "ix_b", { "b" }, unique = true }, { "ix_ab", { "a", "b" } } } }) }
      assert.same({ "remove index ix_a on t", "remove index ix_b on t", "add index ix_b on t", "add index ix_ab on t" },
        describe_diffs(conn, model))
      round_trip(conn, model)
    end)

    it("sees unique constraints added and removed, matching unnamed ones by columns", function()
      setup("CREATE TABLE t (a int UNIQUE, b int, c int, CONSTRAINT uq_bc UNIQUE (b, c))")
      local model = meta { T("t", { { "a", "integer", unique = true }, { "b", "integer", unique = true },
                                    { "c", "integer" } }) }
      assert.same({ "remove unique constraint uq_bc on t", "add unique constraint t_b_key on t" },
        describe_diffs(conn, model))
      round_trip(conn, model)
    end)

    it("sees foreign keys added, removed and changed", function()
      setup([[CREATE TABLE p (id int PRIMARY KEY);
              CREATE TABLE c (a int REFERENCES p (id), b int, CONSTRAINT fk_b FOREIGN KEY (b) REFERENCES p (id))]])
      local model = meta {
        T("p", { { "id", "integer", primary_key = true } }),
        T("c", { { "a", "integer", references = { table = "p", column = "id", ondelete = "CASCADE" } },
                 { "b", "integer" } }),
      }
      assert.same({ "remove foreign key c_a_fkey on c", "remove foreign key fk_b on c", "add foreign key c_a_fkey on c" },
        describe_diffs(conn, model))
      round_trip(conn, model)
    end)

    it("sees check constraints added and removed by name", function()
      setup("CREATE TABLE t (a int CONSTRAINT ck_old CHECK (a > 0))")
      local model = meta { T("t", { { "a", "integer" } }, {
        constraints = { { type = "check", name = "ck_new", expr = "a < 10" } } }) }
      assert.same({ "remove check constraint ck_old on t", "add check constraint ck_new on t" },
        describe_diffs(conn, model))
      round_trip(conn, model)
    end)
  end)

  describe("normalising", function()
    it("treats spellings of the same type and default as equal", function()
      conn:exec([[CREATE TABLE t (
        a integer, b bigint, c serial, d bigserial, e character varying(20), f numeric(8,2),
        g text[], h timestamp with time zone DEFAULT CURRENT_TIMESTAMP, i boolean DEFAULT false,
        j double precision, k smallint DEFAULT -1, l character(3), m timestamp(3) without time zone,
        n text DEFAULT 'a''b', o numeric DEFAULT 1.5, p integer[] DEFAULT '{1,2}', q varchar DEFAULT 'v',
        r text CHECK (r LIKE 'x%'), s real, t2 time, u uuid, v jsonb DEFAULT '{}'::jsonb)]])
      local model = meta { T("t", {
        { "a", "int4" }, { "b", "int8" }, { "c", "serial" }, { "d", "bigserial" }, { "e", "varchar(20)" },
        { "f", "decimal(8, 2)" }, { "g", "text[]" }, { "h", "timestamptz", default = "now()" },
        { "i", "bool", default = "FALSE" }, { "j", "float8" }, { "k", "int2", default = -1 },
        { "l", "char(3)" }, { "m", "timestamp(3)" }, { "n", "text", default = "'a''b'" },
        { "o", "numeric", default = 1.5 }, { "p", "int[]", default = "'{1,2}'" },
        { "q", "varchar", default = "'v'" }, { "r", "text", check = "r like 'x%'" }, { "s", "float4" },
        { "t2", "time" }, { "u", "uuid" }, { "v", "jsonb", default = "'{}'" },
      }) }
      assert.same({}, describe_diffs(conn, model))
    end)

    it("normalises type names as format_type() writes them", function()
      local cases = {
        int = "integer", ["INT4"] = "integer", serial = "integer", bigserial = "bigint",
        ["varchar(10)"] = "character varying(10)", ["numeric(5)"] = "numeric(5,0)",
        ["timestamptz(3)"] = "timestamp(3) with time zone", ["float(10)"] = "real", ["int[][]"] = "integer[]",
        ["double precision"] = "double precision", char = "character(1)",
      }
      for input, want in pairs(cases) do assert.equal(want, (autogen.normalize_type(input)), input) end
    end)
  end)

  describe("include_object", function()
    it("leaves out the objects the hook refuses, on both sides", function()
      conn:exec("CREATE TABLE spatial_ref_sys (id int); CREATE TABLE t (a int, legacy int)")
      local model = meta { T("t", { { "a", "integer" } }), T("skipped", { { "id", "integer" } }) }
      local seen = {}
      local opts = { include_object = function(obj)
        seen[obj.type] = true
        return obj.name ~= "spatial_ref_sys" and obj.name ~= "skipped" and obj.name ~= "legacy"
      end }
      assert.same({}, describe_diffs(conn, model, opts))
      assert.is_true(seen.table and seen.column)
    end)

    it("ignores the version and history tables", function()
      helpers.apply(conn, function(op) op.execute("SELECT 1") end)
      assert.same({}, describe_diffs(conn, meta {}))
      assert.same({ "remove table luamig_version" },
        describe_diffs(conn, meta {}, { ignore_tables = { "luamig_history" } }))
    end)
  end)

  describe("a non-default schema", function()
    it("compares and renders tables of a named schema", function()
      conn:exec("CREATE SCHEMA app")
      local model = meta {
        T("teams", { { "id", "integer", primary_key = true } }, { schema = "app" }),
        T("users", {
          { "id", "integer", primary_key = true },
          { "team_id", "integer", references = "app.teams.id" },
        }, { schema = "app", indexes = { { "ix_users_team", { "team_id" } } } }),
        T("plain", { { "id", "integer" } }, { schema = "public" }),
      }
      assert.same({ "add table app.teams", "add table app.users", "add table plain", "add index ix_users_team on app.users" },
        describe_diffs(conn, model))
      local up = round_trip(conn, model)
      assert.matches('schema = "app"', up, 1, true)
      assert.same({}, user_tables(conn, "app"))
      assert.same({}, user_tables(conn, "public"))
    end)
  end)

  ---------------------------------------------- identity, generated, deferral (issue 15 items 4-6)
  describe("identity and generated columns and deferrable constraints", function()
    local function setup(sql) conn:exec(sql) end

    it("reads an identity column as the model says it and finds nothing", function()
      setup([[CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              n bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 5 CACHE 10) NOT NULL)]])
      local model = meta { T("t", { { "id", "integer", identity = "always", primary_key = true },
        { "n", "bigint", identity = { "by default", start = 100, increment = 5, cache = 10 } } }) }
      assert.same({}, describe_diffs(conn, model))
    end)

    it("creates a table with identity columns and finds nothing after", function()
      round_trip(conn, meta { T("t", { { "id", "integer", identity = "always", primary_key = true },
        { "n", "smallint", identity = { "by default", increment = -1 } } }) })
      assert.same({}, user_tables(conn))
    end)

    it("sees an identity added to a column, changed and dropped", function()
      setup([[CREATE TABLE t (a int NOT NULL, b int GENERATED BY DEFAULT AS IDENTITY (START WITH 5),
              c int GENERATED ALWAYS AS IDENTITY)]])
      local model = meta { T("t", { { "a", "integer", nullable = false, identity = "always" },
        { "b", "integer", identity = { "always", start = 100, cache = 20 } }, { "c", "integer", nullable = false } }) }
      assert.same({ "change identity of t.a: none -> always",
                    "change identity of t.b: by default (start 5) -> always (start 100, cache 20)",
                    "change identity of t.c: always -> none" }, describe_diffs(conn, model))
      round_trip(conn, model)
      assert.same({}, describe_diffs(conn, meta { T("t", { { "a", "integer", nullable = false },
        { "b", "integer", identity = { "by default", start = 5 } },
        { "c", "integer", identity = "always" } }) }))
    end)

    it("reads a stored generated column and never compares its expression as a default", function()
      setup("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED)")
      assert.same({}, describe_diffs(conn, meta { T("t", { { "a", "integer" },
        { "b", "integer", generated = "a * 2" } }) }))
    end)

    it("adds a generated column and re-creates one whose expression changed", function()
      setup("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED, c int)")
      local model = meta { T("t", { { "a", "integer" }, { "b", "integer", generated = "a * 3" },
        { "c", "integer", generated = "a + 1" } }) }
      assert.same({ "change generation of t.b: (a * 2) -> a * 3",
                    "change generation of t.c: none -> a + 1" }, describe_diffs(conn, model))
      local up = round_trip(conn, model)
      assert.matches("-- the expression of a generated column", up, 1, true)
    end)

    it("sees a foreign key made deferrable or MATCH FULL and re-creates it", function()
      setup([[CREATE TABLE p (id int PRIMARY KEY, k int, u int UNIQUE, UNIQUE (id, k));
              CREATE TABLE c (a int REFERENCES p (id), b int, bk int,
                              CONSTRAINT fk_b FOREIGN KEY (b, bk) REFERENCES p (id, k) DEFERRABLE)]])
      local model = meta {
        T("p", { { "id", "integer", primary_key = true }, { "k", "integer" }, { "u", "integer" } },
          { constraints = { { type = "unique", columns = { "id", "k" } },
                            { type = "unique", columns = { "u" }, deferrable = true, initially = "deferred" } } }),
        T("c", { { "a", "integer", references = { table = "p", column = "id", deferrable = true,
                                                 initially = "deferred" } },
                 { "b", "integer" }, { "bk", "integer" } },
          { constraints = { { type = "foreign_key", name = "fk_b", columns = { "b", "bk" }, referent = "p",
                              remote_columns = { "id", "k" }, match = "full" } } }),
      }
      assert.same({ "remove foreign key c_a_fkey on c", "remove foreign key fk_b on c",
                    "remove unique constraint p_u_key on p", "add unique constraint p_u_key on p",
                    "add foreign key fk_b on c", "add foreign key c_a_fkey on c" }, describe_diffs(conn, model))
      round_trip(conn, model)
    end)
  end)

  describe("a large model", function()
    it("compares 300 matching tables in a few queries and finds nothing", function()
      local tables, sql = {}, {}
      for i = 1, 300 do
        local name = ("t%03d"):format(i)
        tables[i] = T(name, {
          { "id", "bigserial", primary_key = true },
          { "name", "varchar(50)", nullable = false, default = "''" },
          { "ref", "bigint", references = i > 1 and ("t%03d.id"):format(i - 1) or nil },
          { "at", "timestamptz", default = "now()" },
        }, { indexes = { { "ix_" .. name, { "name" } } } })
        sql[i] = ([[CREATE TABLE %s (id bigserial PRIMARY KEY, name varchar(50) NOT NULL DEFAULT '',
          ref bigint %s, at timestamptz DEFAULT now()); CREATE INDEX ix_%s ON %s (name)]]):format(
          name, i > 1 and ("REFERENCES t%03d (id)"):format(i - 1) or "", name, name)
      end
      conn:exec(table.concat(sql, ";\n"))
      local queries = 0
      local counting = setmetatable({ query = function(_, ...) queries = queries + 1 return conn:query(...) end },
                                    { __index = conn })
      local start = wall_clock()
      assert.same({}, describe_diffs(counting, meta(tables)))
      local seconds = wall_clock() - start
      -- the current schema, tables, indexes, constraints; schemas, extensions,
      -- sequences, enums, domains; functions, aggregates, triggers, policies, views; index details,
      -- partitions: one query per kind, whatever the count
      assert.is_true(queries <= 16, ("%d catalog queries"):format(queries))
      assert.is_true(seconds < 5, ("compare took %.1f s"):format(seconds))
    end)
  end)
end)
