-- The DDL operations, each checked against the catalog it leaves behind.
local helpers = require("support.helpers")

describe("op", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  local function apply(fn) helpers.apply(conn, fn) end

  -- The user's tables, without luamig's own bookkeeping tables.
  local function user_tables(schema)
    local names = {}
    for _, name in ipairs(helpers.tables(conn, schema)) do
      if not name:find("^luamig_") then names[#names + 1] = name end
    end
    return names
  end

  local function value(sql, params)
    local row = conn:query(sql, params)[1]
    return row and row.v
  end

  -- The constraints of a table by name: { contype, def, validated, deferrable, deferred }.
  local function constraints(tbl, schema)
    local rows = conn:query([[SELECT conname, contype, pg_get_constraintdef(con.oid) AS def,
        convalidated AS validated, condeferrable AS deferrable, condeferred AS deferred
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2]],
      { schema or "public", tbl })
    local out = {}
    for _, r in ipairs(rows) do out[r.conname] = r end
    return out
  end

  local function index_def(name, schema)
    return value("SELECT indexdef AS v FROM pg_indexes WHERE schemaname = $1 AND indexname = $2",
      { schema or "public", name })
  end

  local function table_comment(tbl, schema)
    return value([[SELECT obj_description(c.oid, 'pg_class') AS v FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2]],
      { schema or "public", tbl })
  end

  local function column_comment(tbl, col, schema)
    return value([[SELECT col_description(c.oid, a.attnum) AS v FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3]], { schema or "public", tbl, col })
  end

  local function schema_exists(name)
    return value("SELECT count(*)::int AS v FROM pg_namespace WHERE nspname = $1", { name }) == 1
  end

  -- Asserts that fn(op) fails and that the message matches pattern.
  local function fails(pattern, fn)
    local ok, err = pcall(apply, fn)
    assert.is_false(ok)
    assert.matches(pattern, tostring(err))
  end

  describe("create_table", function()
    it("creates columns with types, nullability, defaults and a primary key", function()
      apply(function(op)
        op.create_table("users", {
          { "id", "bigserial", primary_key = true },
          { "email", "varchar(200)", nullable = false, unique = true },
          { "created_at", "timestamptz", nullable = false, default = "now()" },
          { "score", "numeric(10,2)", check = "score >= 0" },
        })
      end)
      local cols = helpers.columns(conn, "users")
      assert.equal("bigint", cols.id.data_type)
      assert.equal("character varying", cols.email.data_type)
      assert.equal("NO", cols.email.is_nullable)
      assert.equal("now()", cols.created_at.column_default)
      assert.equal("YES", cols.score.is_nullable)
      local defs = {}
      for _, c in pairs(constraints("users")) do defs[#defs + 1] = c.def end
      table.sort(defs)
      assert.same({ "CHECK ((score >= (0)::numeric))", "PRIMARY KEY (id)", "UNIQUE (email)" }, defs)
    end)

    it("makes one composite primary key of several primary_key columns", function()
      apply(function(op)
        op.create_table("pairs", { { "a", "int", primary_key = true }, { "b", "int", primary_key = true } })
      end)
      assert.equal("PRIMARY KEY (a, b)", constraints("pairs").pairs_pkey.def)
    end)

    it("creates named table constraints from the constraints option", function()
      apply(function(op)
        op.create_table("teams", { { "id", "int" }, { "org", "int" } }, { constraints = {
          { type = "primary_key", name = "teams_pk", columns = { "id", "org" } },
        } })
        op.create_table("members", { { "team_id", "int" }, { "org", "int" }, { "rank", "int" } }, { constraints = {
          { type = "foreign_key", name = "members_team_fk", columns = { "team_id", "org" },
            referent = "teams", remote_columns = { "id", "org" }, ondelete = "cascade" },
          { type = "unique", name = "members_rank_key", columns = { "team_id", "rank" } },
          { type = "check", name = "rank_positive", expr = "rank > 0" },
        } })
      end)
      assert.equal("PRIMARY KEY (id, org)", constraints("teams").teams_pk.def)
      local c = constraints("members")
      assert.equal("FOREIGN KEY (team_id, org) REFERENCES teams(id, org) ON DELETE CASCADE", c.members_team_fk.def)
      assert.equal("UNIQUE (team_id, rank)", c.members_rank_key.def)
      assert.equal("CHECK ((rank > 0))", c.rank_positive.def)
    end)

    it("creates a foreign key from a column's references, as a string or a table", function()
      apply(function(op)
        op.create_table("teams", { { "id", "int", primary_key = true } })
        op.create_table("members", {
          { "team_id", "int", references = { "teams", "id", ondelete = "CASCADE", onupdate = "set null" } },
          { "other_team", "int", references = "teams.id" },
        })
      end)
      local defs = {}
      for _, c in pairs(constraints("members")) do defs[#defs + 1] = c.def end
      table.sort(defs)
      assert.same({
        "FOREIGN KEY (other_team) REFERENCES teams(id)",
        "FOREIGN KEY (team_id) REFERENCES teams(id) ON UPDATE SET NULL ON DELETE CASCADE",
      }, defs)
    end)

    it("creates the table in a schema, with table and column comments", function()
      apply(function(op)
        op.create_schema("app")
        op.create_table("notes", { { "body", "text", comment = "what was said" } },
          { schema = "app", comment = "it's a table" })
      end)
      assert.same({ "notes" }, user_tables("app"))
      assert.equal("it's a table", table_comment("notes", "app"))
      assert.equal("what was said", column_comment("notes", "body", "app"))
    end)

    it("with if_not_exists leaves an existing table alone", function()
      apply(function(op)
        op.create_table("t", { { "a", "int" } })
        op.create_table("t", { { "b", "int" } }, { if_not_exists = true })
      end)
      assert.truthy(helpers.columns(conn, "t").a)
      assert.is_nil(helpers.columns(conn, "t").b)
    end)

    it("rejects a type that smuggles a statement", function()
      assert.has_error(function()
        apply(function(op) op.create_table("t", { { "id", "int; DROP TABLE x" } }) end)
      end)
      assert.same({}, user_tables())
    end)
  end)

  describe("add_column", function()
    it("adds a column with its default, constraints and comment", function()
      apply(function(op)
        op.create_table("t", { { "id", "int", primary_key = true } })
        op.add_column("t", { "note", "text", nullable = false, default = "'none'", comment = "a note" })
        op.add_column("t", { "parent", "int", references = "t.id", unique = true })
      end)
      local cols = helpers.columns(conn, "t")
      assert.equal("'none'::text", cols.note.column_default)
      assert.equal("NO", cols.note.is_nullable)
      assert.equal("a note", column_comment("t", "note"))
      assert.equal("FOREIGN KEY (parent) REFERENCES t(id)", constraints("t").t_parent_fkey.def)
      assert.equal("UNIQUE (parent)", constraints("t").t_parent_key.def)
    end)

    it("with if_not_exists leaves an existing column alone", function()
      apply(function(op)
        op.create_table("t", { { "a", "int" } })
        op.add_column("t", { "a", "text" }, { if_not_exists = true })
      end)
      assert.equal("integer", helpers.columns(conn, "t").a.data_type)
    end)
  end)

  describe("drop_column", function()
    it("drops a column, and with if_exists tolerates a missing one", function()
      apply(function(op)
        op.create_table("t", { { "id", "int" }, { "note", "text" } })
        op.drop_column("t", "note")
        op.drop_column("t", "never_was", { if_exists = true })
      end)
      assert.is_nil(helpers.columns(conn, "t").note)
      assert.truthy(helpers.columns(conn, "t").id)
    end)
  end)

  describe("alter_column", function()
    before_each(function()
      apply(function(op)
        op.create_table("t", { { "n", "text", default = "'7'" }, { "flag", "boolean" } })
        op.execute("INSERT INTO t VALUES ('42', true)")
      end)
    end)

    it("changes the type, converting with using", function()
      apply(function(op) op.alter_column("t", "n", { type = "bigint", using = "n::bigint", default = "0" }) end)
      assert.equal("bigint", helpers.columns(conn, "t").n.data_type)
      assert.equal(42, value("SELECT n AS v FROM t"))
    end)

    it("sets and drops NOT NULL", function()
      apply(function(op) op.alter_column("t", "flag", { nullable = false }) end)
      assert.equal("NO", helpers.columns(conn, "t").flag.is_nullable)
      apply(function(op) op.alter_column("t", "flag", { nullable = true }) end)
      assert.equal("YES", helpers.columns(conn, "t").flag.is_nullable)
    end)

    it("sets a default, and drops it with op.NULL", function()
      apply(function(op) op.alter_column("t", "flag", { default = false }) end)
      assert.equal("false", helpers.columns(conn, "t").flag.column_default)
      apply(function(op) op.alter_column("t", "flag", { default = op.NULL }) end)
      assert.is_nil(helpers.columns(conn, "t").flag.column_default)
    end)

    it("sets a comment, and drops it with op.NULL", function()
      apply(function(op) op.alter_column("t", "n", { comment = "a number" }) end)
      assert.equal("a number", column_comment("t", "n"))
      apply(function(op) op.alter_column("t", "n", { comment = op.NULL }) end)
      assert.is_nil(column_comment("t", "n"))
    end)

    it("renames the column after the other changes", function()
      apply(function(op) op.alter_column("t", "n", { type = "int", using = "n::int", default = "1", new_name = "num" }) end)
      local cols = helpers.columns(conn, "t")
      assert.is_nil(cols.n)
      assert.equal("integer", cols.num.data_type)
      assert.equal("1", cols.num.column_default)
    end)

    it("refuses a call that changes nothing", function()
      fails("op.alter_column: nothing to change", function(op) op.alter_column("t", "n", {}) end)
    end)

    it("refuses using without type", function()
      fails("op.alter_column: using needs type", function(op) op.alter_column("t", "n", { using = "n::int" }) end)
    end)
  end)

  describe("drop_table", function()
    it("drops a table, and with if_exists tolerates a missing one", function()
      apply(function(op)
        op.create_table("t", { { "id", "int" } })
        op.drop_table("t")
        op.drop_table("never_was", { if_exists = true })
      end)
      assert.same({}, user_tables())
    end)

    it("with cascade drops the foreign keys that point at the table", function()
      apply(function(op)
        op.create_table("a", { { "id", "int", primary_key = true } })
        op.create_table("b", { { "a_id", "int", references = "a.id" } })
        op.drop_table("a", { cascade = true })
      end)
      assert.same({ "b" }, user_tables())
      assert.same({}, constraints("b"))
    end)
  end)

  describe("rename_table", function()
    it("renames a table within its schema", function()
      apply(function(op)
        op.create_schema("app")
        op.create_table("old", { { "id", "int" } }, { schema = "app" })
        op.rename_table("old", "new", { schema = "app" })
      end)
      assert.same({ "new" }, user_tables("app"))
    end)
  end)

  describe("create_table_comment", function()
    it("sets a table's comment, and a nil comment drops it", function()
      apply(function(op)
        op.create_table("t", { { "id", "int" } })
        op.create_table_comment("t", [[back\slash and 'quotes']])
      end)
      assert.equal([[back\slash and 'quotes']], table_comment("t"))
      apply(function(op) op.create_table_comment("t", nil) end)
      assert.is_nil(table_comment("t"))
    end)
  end)

  describe("drop_table_comment", function()
    it("drops a table's comment", function()
      apply(function(op)
        op.create_table("t", { { "id", "int" } }, { comment = "gone soon" })
        op.drop_table_comment("t")
      end)
      assert.is_nil(table_comment("t"))
    end)
  end)

  describe("create_schema and drop_schema", function()
    it("creates a schema, tolerating an existing one with if_not_exists", function()
      apply(function(op)
        op.create_schema("app")
        op.create_schema("app", { if_not_exists = true })
      end)
      assert.is_true(schema_exists("app"))
    end)

    it("drops a schema with its tables under cascade, and tolerates a missing one with if_exists", function()
      apply(function(op)
        op.create_schema("app")
        op.create_table("t", { { "id", "int" } }, { schema = "app" })
        op.drop_schema("app", { cascade = true })
        op.drop_schema("never_was", { if_exists = true })
      end)
      assert.is_false(schema_exists("app"))
    end)
  end)

  describe("create_index", function()
    before_each(function()
      apply(function(op) op.create_table("users", { { "id", "int" }, { "email", "text" }, { "active", "boolean" } }) end)
    end)

    it("creates an index over columns", function()
      apply(function(op) op.create_index("ix_users_id_email", "users", { "id", "email" }) end)
      assert.equal("CREATE INDEX ix_users_id_email ON public.users USING btree (id, email)", index_def("ix_users_id_email"))
    end)

    it("creates an index with the access method named by using", function()
      apply(function(op) op.create_index("ix_email_hash", "users", "email", { using = "HASH" }) end)
      assert.equal("CREATE INDEX ix_email_hash ON public.users USING hash (email)", index_def("ix_email_hash"))
    end)

    it("creates a unique partial index", function()
      apply(function(op) op.create_index("ux_active_email", "users", { "email" }, { unique = true, where = "active" }) end)
      assert.equal("CREATE UNIQUE INDEX ux_active_email ON public.users USING btree (email) WHERE active",
        index_def("ux_active_email"))
    end)

    it("takes expressions, descending order and operator classes as index columns", function()
      apply(function(op)
        op.create_index("ix_email_lower", "users", {
          { expr = "lower(email)" }, { "id", desc = true }, { "email", opclass = "text_pattern_ops" },
        }, { using = "btree" })
      end)
      assert.equal("CREATE INDEX ix_email_lower ON public.users USING btree (lower(email), id DESC, email text_pattern_ops)",
        index_def("ix_email_lower"))
    end)

    it("rejects an index expression that smuggles a statement", function()
      fails("may not contain ';'", function(op)
        op.create_index("ix", "users", { { expr = "lower(email)); DROP TABLE users; --" } })
      end)
    end)

    it("with if_not_exists leaves an existing index alone", function()
      apply(function(op)
        op.create_index("ix", "users", { "id" })
        op.create_index("ix", "users", { "email" }, { if_not_exists = true })
      end)
      assert.matches("%(id%)$", index_def("ix"))
    end)
  end)

  describe("drop_index", function()
    it("drops an index in a schema, and with if_exists tolerates a missing one", function()
      apply(function(op)
        op.create_schema("app")
        op.create_table("t", { { "id", "int" } }, { schema = "app" })
        op.create_index("ix_t", "t", { "id" }, { schema = "app" })
        op.drop_index("ix_t", { schema = "app" })
        op.drop_index("never_was", { if_exists = true })
      end)
      assert.is_nil(index_def("ix_t", "app"))
    end)
  end)

  describe("create_foreign_key", function()
    before_each(function()
      apply(function(op)
        op.create_schema("ref")
        op.create_table("teams", { { "id", "int", primary_key = true } }, { schema = "ref" })
        op.create_table("members", { { "team_id", "int" } })
        op.execute("INSERT INTO members VALUES (99)")
      end)
    end)

    it("creates a foreign key across schemas with actions and deferral", function()
      apply(function(op)
        op.execute("DELETE FROM members")
        op.create_foreign_key("fk_team", "members", "teams", { "team_id" }, { "id" }, {
          referent_schema = "ref", source_schema = "public", ondelete = "SET NULL", onupdate = "restrict",
          deferrable = true, initially = "deferred",
        })
      end)
      local fk = constraints("members").fk_team
      assert.equal("FOREIGN KEY (team_id) REFERENCES ref.teams(id) ON UPDATE RESTRICT ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED", fk.def)
      assert.is_true(fk.deferrable)
      assert.is_true(fk.deferred)
    end)

    it("with not_valid skips checking the existing rows", function()
      apply(function(op)
        op.create_foreign_key("fk_team", "members", "teams", { "team_id" }, { "id" },
          { referent_schema = "ref", not_valid = true })
      end)
      assert.is_false(constraints("members").fk_team.validated)
    end)

    it("without not_valid fails on rows that break it", function()
      fails("23503", function(op)
        op.create_foreign_key("fk_team", "members", "teams", { "team_id" }, { "id" }, { referent_schema = "ref" })
      end)
    end)
  end)

  describe("create_unique_constraint", function()
    it("adds a deferrable unique constraint", function()
      apply(function(op)
        op.create_table("t", { { "a", "int" }, { "b", "int" } })
        op.create_unique_constraint("uq_t_ab", "t", { "a", "b" }, { deferrable = true })
      end)
      local c = constraints("t").uq_t_ab
      assert.equal("UNIQUE (a, b) DEFERRABLE", c.def)
      assert.is_false(c.deferred)
    end)
  end)

  describe("create_check_constraint", function()
    it("adds a check constraint, not validated with not_valid", function()
      apply(function(op)
        op.create_table("t", { { "a", "int" } })
        op.execute("INSERT INTO t VALUES (-1)")
        op.create_check_constraint("ck_positive", "t", "a > 0", { not_valid = true })
      end)
      local c = constraints("t").ck_positive
      assert.equal("CHECK ((a > 0)) NOT VALID", c.def)
      assert.is_false(c.validated)
    end)
  end)

  describe("create_primary_key", function()
    it("adds a composite primary key in a schema", function()
      apply(function(op)
        op.create_schema("app")
        op.create_table("t", { { "a", "int" }, { "b", "int" } }, { schema = "app" })
        op.create_primary_key("pk_t", "t", { "a", "b" }, { schema = "app" })
      end)
      assert.equal("PRIMARY KEY (a, b)", constraints("t", "app").pk_t.def)
    end)
  end)

  describe("drop_constraint", function()
    it("drops a constraint by name, accepting Alembic's type option", function()
      apply(function(op)
        op.create_table("t", { { "a", "int", unique = true } })
        op.drop_constraint("t_a_key", "t", { type = "unique" })
        op.drop_constraint("never_was", "t", { if_exists = true })
      end)
      assert.same({}, constraints("t"))
    end)
  end)

  describe("argument checks", function()
    local cases = {
      { "an empty table name", function(op) op.create_table("", { { "a", "int" } }) end, "op.create_table: table name must be a non%-empty string" },
      { "no columns", function(op) op.create_table("t", {}) end, "op.create_table: columns must be a non%-empty list" },
      { "an unknown option", function(op) op.create_table("t", { { "a", "int" } }, { tablespace = "x" }) end, 'op.create_table: unknown option "tablespace"' },
      { "an option of the wrong type", function(op) op.drop_table("t", { cascade = "yes" }) end, "op.drop_table: option cascade must be a boolean, got string" },
      { "an unknown column option", function(op) op.add_column("t", { "a", "int", nulable = false }) end, 'op.add_column: unknown column option "nulable"' },
      { "a non-string sql", function(op) op.execute(42) end, "op.execute: sql must be a non%-empty string" },
      { "a bad referential action", function(op) op.create_table("t", { { "a", "int", references = { "u", "id", ondelete = "EXPLODE" } } }) end, 'op.create_table: column "a": unknown referential action "EXPLODE"' },
      { "a bad initially", function(op) op.create_foreign_key("fk", "t", "u", { "a" }, { "id" }, { initially = "later" }) end, 'op.create_foreign_key: unknown initially "later"' },
      { "an unknown constraint type", function(op) op.create_table("t", { { "a", "int" } }, { constraints = { { type = "trigger" } } }) end, 'op.create_table: unknown constraint type "trigger"' },
      { "a single constraint instead of a list", function(op) op.create_table("t", { { "a", "int" } }, { constraints = { type = "unique", columns = { "a" } } }) end, "op.create_table: constraints must be a list of constraint tables" },
      { "an empty column list", function(op) op.create_primary_key("pk", "t", {}) end, "op.create_primary_key: primary key columns must be a non%-empty list" },
      { "a check that smuggles a statement", function(op) op.create_check_constraint("c", "t", "true); DROP TABLE t; --") end, "op.create_check_constraint: check \".*\" may not contain ';'" },
      { "a default that smuggles a statement", function(op) op.alter_column("t", "a", { default = "1; DROP TABLE t" }) end, "op.alter_column: default \".*\" may not contain ';'" },
      { "a bad index column", function(op) op.create_index("ix", "t", { 42 }) end, "op.create_index: an index column must be a name or a table" },
      { "an index column with both name and expr", function(op) op.create_index("ix", "t", { { "a", expr = "a + 1" } }) end, "op.create_index: an index column needs exactly one" },
      { "a bad access method", function(op) op.create_index("ix", "t", { "a" }, { using = "btree; DROP" }) end, 'op.create_index: using "btree; DROP" is not an index access method' },
      { "a non-function autocommit", function(op) op.autocommit("CREATE INDEX") end, "op.autocommit: fn must be a function, got string" },
      { "a missing drop_constraint table", function(op) op.drop_constraint("c") end, "op.drop_constraint: table name must be a non%-empty string, got nil" },
      { "a non-string comment", function(op) op.create_table_comment("t", 5) end, "op.create_table_comment: comment must be a string or nil, got number" },
    }
    for _, case in ipairs(cases) do
      it("rejects " .. case[1] .. " with a message naming the function", function()
        fails(case[3], case[2])
      end)
    end

    it("leaves nothing behind when a call is rejected", function()
      pcall(apply, function(op)
        op.create_table("t", { { "a", "int" } })
        op.create_index("ix", "t", { 42 })
      end)
      assert.same({}, user_tables())
    end)
  end)
end)
