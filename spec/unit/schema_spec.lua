-- Unit specs of luamig.schema, the model DSL for autogenerate: pure, no
-- database.
local schema = require("luamig.schema")

local T, meta = schema.table, schema.metadata

local function error_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  assert.equal("string", type(err))
  assert.is_nil(err:find("\n", 1, true), "the message is one line")
  return err
end

describe("schema", function()
  describe("a valid model", function()
    it("keeps tables, normalised columns, indexes, constraints and comments", function()
      local m = meta {
        T("users", {
          { "id", "bigserial", primary_key = true },
          { "email", "text", nullable = false, unique = true },
          { "team_id", "integer", references = "teams.id" },
        }, {
          schema = "app",
          comment = "people",
          indexes = { { "ix_email", { "email", { expr = "lower(email)" }, { "id", desc = true } }, unique = true,
                        where = "email IS NOT NULL" } },
          constraints = {
            { type = "check", name = "email_has_at", expr = "email LIKE '%@%'" },
            { type = "foreign_key", name = "fk_team", columns = { "team_id" },
              references = { table = "teams", columns = { "id" } }, ondelete = "CASCADE" },
          },
        }),
      }
      local t = m.tables[1]
      assert.equal("users", t.name)
      assert.equal("app", t.schema)
      assert.equal("people", t.comment)
      assert.same({ "id", "email", "team_id" }, { t.columns[1].name, t.columns[2].name, t.columns[3].name })
      assert.same({ table = "teams", columns = { "id" } }, t.columns[3].references)
      assert.same({ "email", { expr = "lower(email)" }, { name = "id", desc = true } }, t.indexes[1].columns)
      assert.is_true(t.indexes[1].unique)
      assert.same({ type = "foreign_key", name = "fk_team", columns = { "team_id" }, referent = "teams",
                    remote_columns = { "id" }, ondelete = "CASCADE" }, t.constraints[2])
    end)

    it("accepts several primary_key columns as one composite key", function()
      local t = T("pairs", { { "a", "integer", primary_key = true }, { "b", "integer", primary_key = true } })
      assert.is_true(schema.is_table(t))
    end)

    it("accepts an empty metadata", function()
      assert.same({ tables = {}, schemas = {}, extensions = {}, sequences = {}, enums = {}, domains = {}, functions = {},
                    triggers = {}, views = {}, policies = {}, row_security = {}, aggregates = {} }, meta {})
    end)
  end)

  describe("refusing a bad model", function()
    it("names the table and column of an unknown column option", function()
      assert.equal('table "users": column "email": unknown column option "nulable"',
        error_of(T, "users", { { "email", "text", nulable = false } }))
    end)

    it("refuses a column without a type", function()
      assert.matches('table "users": column "email": nil is not a PostgreSQL type name',
        error_of(T, "users", { { "email" } }), 1, true)
    end)

    it("refuses a column defined twice", function()
      assert.equal('table "t": column "a" is defined twice',
        error_of(T, "t", { { "a", "integer" }, { "a", "text" } }))
    end)

    it("refuses a table without columns or without a name", function()
      assert.equal('table "t": columns must be a non-empty list of column specs', error_of(T, "t", {}))
      assert.equal("schema.table: a table needs a non-empty name", error_of(T, "", { { "a", "int" } }))
    end)

    it("refuses unknown table options", function()
      assert.equal('table "t": unknown option "index"',
        error_of(T, "t", { { "a", "integer" } }, { index = {} }))
    end)

    it("refuses an index on a column the table does not have", function()
      assert.equal('table "t": index "ix": unknown column "b"',
        error_of(T, "t", { { "a", "integer" } }, { indexes = { { "ix", { "b" } } } }))
    end)

    it("refuses an index without a name or columns", function()
      assert.equal('table "t": an index needs a name',
        error_of(T, "t", { { "a", "integer" } }, { indexes = { { nil, { "a" } } } }))
      assert.equal('table "t": index "ix": columns must be a non-empty list',
        error_of(T, "t", { { "a", "integer" } }, { indexes = { { "ix", {} } } }))
    end)

    it("refuses an unknown constraint type", function()
      assert.equal('table "t": unknown constraint type "trigger" (unique, check, foreign_key, primary_key, exclude)',
        error_of(T, "t", { { "a", "integer" } }, { constraints = { { type = "trigger" } } }))
    end)

    it("refuses an unnamed check constraint", function()
      assert.equal('table "t": check constraint (unnamed): a check constraint needs a name',
        error_of(T, "t", { { "a", "integer" } }, { constraints = { { type = "check", expr = "a > 0" } } }))
    end)

    it("refuses a unique constraint on an unknown column", function()
      assert.equal('table "t": unique constraint "uq": unknown column "b"',
        error_of(T, "t", { { "a", "integer" } }, { constraints = { { type = "unique", name = "uq", columns = { "b" } } } }))
    end)

    it("refuses a foreign key whose column counts differ", function()
      assert.equal('table "t": foreign_key constraint "fk": 1 local columns but 2 remote columns',
        error_of(T, "t", { { "a", "integer" } }, { constraints = { { type = "foreign_key", name = "fk",
          columns = { "a" }, referent = "p", remote_columns = { "x", "y" } } } }))
    end)

    it("refuses an unknown referential action", function()
      assert.matches('table "t": column "a": unknown referential action "explode"',
        error_of(T, "t", { { "a", "integer", references = { table = "p", column = "id", ondelete = "explode" } } }),
        1, true)
    end)

    it("refuses a check that smuggles a second statement", function()
      assert.matches("may not contain ';' or comments",
        error_of(T, "t", { { "a", "integer" } }, { constraints = { { type = "check", name = "ck",
          expr = "a > 0); DROP TABLE t; --" } } }), 1, true)
    end)

    it("refuses two primary keys", function()
      assert.matches("more than one primary key",
        error_of(T, "t", { { "a", "integer", primary_key = true } },
          { constraints = { { type = "primary_key", columns = { "a" } } } }), 1, true)
    end)

    it("refuses a table defined twice in one schema, but not in two", function()
      assert.equal('schema.metadata: table "t" is defined twice',
        error_of(meta, { T("t", { { "a", "int" } }), T("t", { { "b", "int" } }) }))
      assert.equal(2, #meta { T("t", { { "a", "int" } }), T("t", { { "b", "int" } }, { schema = "x" }) }.tables)
    end)

    it("refuses an index name used twice in a schema", function()
      assert.equal('table "u": index name "ix" is already used by table "t"',
        error_of(meta, { T("t", { { "a", "int" } }, { indexes = { { "ix", { "a" } } } }),
                         T("u", { { "a", "int" } }, { indexes = { { "ix", { "a" } } } }) }))
    end)

    it("refuses something that is not a schema.table", function()
      assert.equal("schema.metadata: item 1 is not a schema.table(...)", error_of(meta, { { "users" } }))
    end)
  end)

  -- The model takes the keys op.create_table and op.create_index take
  -- (luamig.ddl.keys), read by the same rules; these are the places where
  -- the two disagreed.
  describe("taking what op takes", function()
    local function fk(references, extra)
      local c = { type = "foreign_key", name = "fk", columns = { "a" }, references = references }
      for k, v in pairs(extra or {}) do c[k] = v end
      return T("t", { { "a", "integer" } }, { constraints = { c } }).constraints[1]
    end

    it("reads a foreign key's references written \"table.column\"", function()
      assert.same({ type = "foreign_key", name = "fk", columns = { "a" }, referent = "p", remote_columns = { "id" } },
        fk("p.id"))
    end)

    it("reads a foreign key's references written { table, column }", function()
      assert.same({ type = "foreign_key", name = "fk", columns = { "a" }, referent = "p", referent_schema = "s",
                    remote_columns = { "id" } }, fk({ "p", "id", schema = "s" }))
    end)

    it("keeps the ondelete and onupdate given inside a foreign key's references", function()
      local c = fk({ table = "p", columns = { "id" }, ondelete = "cascade", onupdate = "restrict" })
      assert.same({ "cascade", "restrict" }, { c.ondelete, c.onupdate })
    end)

    it("refuses an unknown key inside a foreign key's references", function()
      assert.equal('table "t": foreign_key constraint "fk": unknown references option "on_delete"',
        error_of(fk, { table = "p", columns = { "id" }, on_delete = "CASCADE" }))
    end)

    it("refuses references together with referent, where one would be ignored", function()
      assert.equal('table "t": foreign_key constraint "fk": a foreign key takes references or referent, '
        .. "remote_columns and referent_schema, not both",
        error_of(fk, "p.id", { referent = "q", remote_columns = { "id" } }))
    end)

    it("takes deferrable, initially and match in a column's references and a unique constraint's deferral", function()
      local t = T("t", { { "a", "integer", references = { table = "p", column = "id", deferrable = true,
                                                         initially = "deferred", match = "full" } } },
        { constraints = { { type = "unique", name = "uq", columns = { "a" }, initially = "deferred" } } })
      assert.equal("full", t.columns[1].references.match)
      assert.equal("deferred", t.constraints[1].initially)
    end)

    it("refuses an unknown initially or match, naming the column", function()
      assert.equal('table "t": column "a": unknown match "partly" (FULL, SIMPLE)',
        error_of(T, "t", { { "a", "integer", references = { table = "p", column = "id", match = "partly" } } }))
    end)

    it("refuses an index column's desc that is not a boolean, which op read as true", function()
      assert.equal('table "t": index "ix": desc must be a boolean, got string',
        error_of(T, "t", { { "a", "integer" } }, { indexes = { { "ix", { { "a", desc = "yes" } } } } }))
    end)

    it("refuses an index option of the wrong type with the type it got", function()
      assert.equal('table "t": index "ix": unique must be a boolean, got string',
        error_of(T, "t", { { "a", "integer" } }, { indexes = { { "ix", { "a" }, unique = "yes" } } }))
    end)
  end)
end)
