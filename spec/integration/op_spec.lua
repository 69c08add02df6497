local helpers = require("support.helpers")

describe("op", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  local function apply(fn) helpers.apply(conn, fn) end

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
      local cons = conn:exec([[SELECT contype, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = 'users'::regclass ORDER BY contype]])
      assert.same({
        { contype = "c", def = "CHECK ((score >= (0)::numeric))" },
        { contype = "p", def = "PRIMARY KEY (id)" },
        { contype = "u", def = "UNIQUE (email)" },
      }, cons)
    end)

    it("creates a foreign key from references", function()
      apply(function(op)
        op.create_table("teams", { { "id", "int", primary_key = true } })
        op.create_table("members", { { "team_id", "int", references = { "teams", "id", ondelete = "CASCADE" } } })
      end)
      local def = conn:exec([[SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = 'members'::regclass AND contype = 'f']])[1].def
      assert.equal("FOREIGN KEY (team_id) REFERENCES teams(id) ON DELETE CASCADE", def)
    end)

    it("creates a table under exactly a hostile name and nothing else", function()
      local name = 'a"b; DROP TABLE x; --'
      apply(function(op)
        op.execute("CREATE TABLE x (id int)")
        op.create_table(name, { { 'c"ol', "int" } })
      end)
      assert.same({ name, "luamig_version", "x" }, helpers.tables(conn))
      assert.truthy(helpers.columns(conn, name)['c"ol'])
    end)

    it("rejects a type that smuggles a statement", function()
      assert.has_error(function()
        apply(function(op) op.create_table("t", { { "id", "int; DROP TABLE x" } }) end)
      end)
      assert.same({ "luamig_version" }, helpers.tables(conn))
    end)
  end)

  describe("add_column and drop_column", function()
    it("adds and drops a column", function()
      apply(function(op)
        op.create_table("t", { { "id", "int" } })
        op.add_column("t", { "note", "text", nullable = false, default = "'none'" })
      end)
      assert.equal("'none'::text", helpers.columns(conn, "t").note.column_default)
      apply(function(op) op.drop_column("t", "note") end)
      assert.is_nil(helpers.columns(conn, "t").note)
    end)
  end)

  describe("drop_table", function()
    it("drops a table, and with if_exists tolerates a missing one", function()
      apply(function(op)
        op.create_table("t", { { "id", "int" } })
        op.drop_table("t")
        op.drop_table("never_was", { if_exists = true })
      end)
      assert.same({ "luamig_version" }, helpers.tables(conn))
    end)
  end)

  describe("execute", function()
    it("binds $n parameters", function()
      apply(function(op)
        op.execute("CREATE TABLE t (a text, b int)")
        op.execute("INSERT INTO t VALUES ($1, $2)", { "it's", 7 })
      end)
      assert.same({ { a = "it's", b = 7 } }, (conn:exec("SELECT a, b FROM t")))
    end)
  end)

  describe("argument checks", function()
    local cases = {
      { "an empty table name", function(op) op.create_table("", { { "a", "int" } }) end, "op.create_table: table name must be a non%-empty string" },
      { "no columns", function(op) op.create_table("t", {}) end, "op.create_table: columns must be a non%-empty list" },
      { "an unknown option", function(op) op.create_table("t", { { "a", "int" } }, { tablespace = "x" }) end, 'op.create_table: unknown option "tablespace"' },
      { "an unknown column option", function(op) op.add_column("t", { "a", "int", nulable = false }) end, 'op.add_column: unknown column option "nulable"' },
      { "a non-string sql", function(op) op.execute(42) end, "op.execute: sql must be a non%-empty string" },
      { "a bad referential action", function(op) op.create_table("t", { { "a", "int", references = { "u", "id", ondelete = "EXPLODE" } } }) end, 'unknown referential action "EXPLODE"' },
    }
    for _, case in ipairs(cases) do
      it("rejects " .. case[1] .. " with a message naming the function", function()
        local ok, err = pcall(apply, case[2])
        assert.is_false(ok)
        assert.matches(case[3], tostring(err))
      end)
    end
  end)
end)
