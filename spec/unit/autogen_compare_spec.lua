-- Unit specs of luamig.autogen.compare: table descriptions in, diff
-- records out, no database. The model side is a schema.metadata made into
-- descriptions by luamig.autogen.model; the reflected side is written here
-- as luamig.autogen.catalog would read it.
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")
local compare = require("luamig.autogen.compare")
local kinds = require("luamig.autogen.kinds")
local model = require("luamig.autogen.model")

local T, meta = schema.table, schema.metadata

-- A reflected table of the current schema; columns as the catalog spells them.
local function live(name, columns, extra)
  local t = { name = name, columns = columns, indexes = {}, uniques = {}, checks = {}, fks = {}, real_schema = "public" }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

-- A reflected one-column primary key with the server's name.
local function with_pk(t, column)
  t.pk = { type = "primary_key", name = t.name .. "_pkey", columns = { column }, inline = true }
  t.pk_set = { [column] = true }
  for _, col in ipairs(t.columns) do
    if col.name == column then col.primary_key = true end
  end
  return t
end

local function diffs(metadata, reflected, opts)
  opts = opts or {}
  return compare.diffs(compare.filter(model.tables(metadata, "public"), opts, false),
                       compare.filter(reflected or {}, opts, true))
end

local function described(metadata, reflected, opts)
  return autogen.describe(diffs(metadata, reflected, opts))
end

-- The records' kinds in order, e.g. "add_column remove_column".
local function kinds_of(list)
  local out = {}
  for _, d in ipairs(list) do out[#out + 1] = d.kind end
  return table.concat(out, " ")
end

describe("autogen.compare", function()
  describe("matching sides", function()
    it("finds nothing when the spellings differ but the tables are the same", function()
      local m = meta { T("t", {
        { "id", "serial", primary_key = true },
        { "email", "varchar(200)", nullable = false, default = "''" },
        { "at", "timestamptz", default = "now()" },
      }, { indexes = { { "ix_t_email", { "email" } } } }) }
      local t = with_pk(live("t", {
        { name = "id", type = "integer", nullable = false },
        { name = "email", type = "character varying(200)", nullable = false, default = "''::character varying" },
        { name = "at", type = "timestamp with time zone", default = "CURRENT_TIMESTAMP" },
      }, { indexes = { { name = "ix_t_email", unique = false, columns = { "email" } } } }), "id")
      assert.same({}, diffs(m, { t }))
    end)
  end)

  describe("columns", function()
    it("adds and drops columns, added first", function()
      local m = meta { T("t", { { "id", "integer" }, { "full_name", "text" } }) }
      local t = live("t", { { name = "id", type = "integer" }, { name = "name", type = "text" } })
      local list = diffs(m, { t })
      assert.equal("add_column remove_column", kinds_of(list))
      assert.equal("full_name", list[1].column.name)
      assert.equal("name", list[2].column.name)
      assert.same({ "add column t.full_name", "remove column t.name" }, autogen.describe(list))
    end)

    it("sees a nullability change, true meaning NULL allowed", function()
      local m = meta { T("t", { { "a", "integer", nullable = false } }) }
      local list = diffs(m, { live("t", { { name = "a", type = "integer" } }) })
      assert.same({ { kind = "alter_column", table = "t", column = "a",
                      changes = { nullable = { from = true, to = false } } } }, list)
    end)

    it("sees a type change and gives both types as written", function()
      local m = meta { T("users", { { "email", "varchar(200)" } }) }
      local list = diffs(m, { live("users", { { name = "email", type = "text" } }) })
      assert.same({ type = { from = "text", to = "varchar(200)" } }, list[1].changes)
    end)

    it("sees defaults and comments added and dropped, nil meaning none", function()
      local m = meta { T("t", { { "a", "integer", default = "5" }, { "b", "text", comment = "new" } }) }
      local list = diffs(m, { live("t", { { name = "a", type = "integer", default = "1" },
                                          { name = "b", type = "text", comment = "old" } }) })
      assert.same({ default = { from = "1", to = "5" } }, list[1].changes)
      assert.same({ comment = { from = "old", to = "new" } }, list[2].changes)
      list = diffs(meta { T("t", { { "a", "integer" } }) },
                   { live("t", { { name = "a", type = "integer", default = "NULL::integer", comment = "" } }) })
      assert.same({}, list)
    end)

    it("never compares the default of an identity or generated column", function()
      local m = meta { T("t", { { "a", "integer", default = "1" } }) }
      assert.same({}, diffs(m, { live("t", { { name = "a", type = "integer", opaque = true } }) }))
    end)
  end)

  -------------------------------------- identity, generated, deferral (issue 15 items 4-6)
  describe("identity, generated columns and deferral", function()
    it("reads sequence options equal to the type's defaults as no options", function()
      local m = meta { T("t", { { "id", "bigint", identity = "always" },
                                { "d", "smallint", identity = { "by default", increment = -1 } } }) }
      local t = live("t", {
        { name = "id", type = "bigint", nullable = false, identity = { "always", start = 1, increment = 1, minvalue = 1,
          maxvalue = math.maxinteger, cache = 1, cycle = false } },
        { name = "d", type = "smallint", nullable = false, identity = { "by default", start = -1, increment = -1,
          minvalue = -32768, maxvalue = -1, cache = 1, cycle = false } } })
      assert.same({}, diffs(m, { t }))
    end)

    it("sees a generated column's expression change as a column to re-create, once", function()
      local m = meta { T("t", { { "a", "integer" }, { "b", "integer", generated = "a * 3", nullable = false } }) }
      local list = diffs(m, { live("t", { { name = "a", type = "integer" },
        { name = "b", type = "integer", generated = "(a * 2)" } }) })
      assert.equal("regenerate_column", kinds_of(list))
      assert.same({}, diffs(m, { live("t", { { name = "a", type = "integer" },
        { name = "b", type = "integer", nullable = false, generated = "(a * 3)" } }) }))
    end)

    it("sees a foreign key's deferral and match type, NOT DEFERRABLE and SIMPLE being none", function()
      local m = meta { T("c", { { "a", "integer", references = { table = "p", column = "id", deferrable = false,
        initially = "immediate" } }, { "b", "integer", references = { table = "p", column = "id", match = "simple" } } }) }
      local fk = function(col, extra)
        local c = { type = "foreign_key", name = "c_" .. col .. "_fkey", columns = { col }, referent = "p",
                    remote_columns = { "id" } }
        for k, v in pairs(extra or {}) do c[k] = v end
        return c
      end
      local cols = { { name = "a", type = "integer" }, { name = "b", type = "integer" } }
      assert.same({}, diffs(m, { live("c", cols, { fks = { fk("a"), fk("b") } }) }))
      assert.equal("remove_constraint add_constraint", kinds_of(diffs(m, { live("c", cols, {
        fks = { fk("a", { deferrable = true }), fk("b") } }) })))
      assert.equal("remove_constraint add_constraint", kinds_of(diffs(m, { live("c", cols, {
        fks = { fk("a"), fk("b", { match = "FULL" }) } }) })))
    end)
  end)

  describe("indexes and constraints", function()
    it("drops an index that changed and creates it again, drops before creates", function()
      local m = meta { T("t", { { "a", "integer" }, { "b", "integer" } }, {
        indexes = { { "ix_b", { "b" }, unique = true }, { "ix_ab", { "a", "b" } } } }) }
      local t = live("t", { { name = "a", type = "integer" }, { name = "b", type = "integer" } }, {
        indexes = { { name = "ix_a", unique = false, columns = { "a" } },
                    { name = "ix_b", unique = false, columns = { "b" } } } })
      assert.same({ "remove index ix_a on t", "remove index ix_b on t", "add index ix_b on t", "add index ix_ab on t" },
        described(m, { t }))
    end)

    it("matches an unnamed unique constraint by its columns, whatever the server named it", function()
      local m = meta { T("t", { { "a", "integer", unique = true }, { "b", "integer" } }) }
      local t = live("t", { { name = "a", type = "integer" }, { name = "b", type = "integer" } }, {
        uniques = { { type = "unique", name = "t_a_key1", columns = { "a" } } } })
      assert.same({}, diffs(m, { t }))
    end)

    it("adds and drops check constraints by name", function()
      local m = meta { T("t", { { "a", "integer" } }, {
        constraints = { { type = "check", name = "ck_new", expr = "a < 10" } } }) }
      local t = live("t", { { name = "a", type = "integer" } }, {
        checks = { { type = "check", name = "ck_old", expr = "a > 0" } } })
      assert.same({ "remove check constraint ck_old on t", "add check constraint ck_new on t" }, described(m, { t }))
    end)

    it("drops foreign keys before anything and creates them after everything", function()
      local m = meta {
        T("p", { { "id", "integer" } }, { indexes = { { "ix_p", { "id" } } } }),
        T("c", { { "a", "integer", references = { table = "p", column = "id", ondelete = "CASCADE" } } }),
      }
      local p = live("p", { { name = "id", type = "integer" } })
      local c = live("c", { { name = "a", type = "integer" } }, {
        fks = { { type = "foreign_key", name = "c_a_fkey", columns = { "a" }, referent = "p", remote_columns = { "id" } } } })
      assert.equal("remove_constraint add_index add_constraint", kinds_of(diffs(m, { p, c })))
    end)

    it("creates the constraints of a new column with the column itself", function()
      local m = meta { T("t", { { "a", "integer" }, { "b", "integer", unique = true, check = "b > 0" } }) }
      local list = diffs(m, { live("t", { { name = "a", type = "integer" } }) })
      assert.equal("add_column", kinds_of(list))
    end)
  end)

  describe("tables", function()
    it("drops a table's foreign keys, then its indexes, then the table", function()
      local t = live("old", { { name = "a", type = "integer" } }, {
        indexes = { { name = "ix_old", unique = false, columns = { "a" } } },
        fks = { { type = "foreign_key", name = "old_a_fkey", columns = { "a" }, referent = "x", remote_columns = { "id" } } },
        checks = { { type = "check", name = "ck", expr = "a > 0" } },
      })
      local list = diffs(meta {}, { t })
      assert.equal("remove_constraint remove_index remove_table", kinds_of(list))
      assert.same({ { type = "check", name = "ck", expr = "a > 0" } }, list[3].def.constraints)
    end)

    it("drops removed tables before creating new ones", function()
      local list = diffs(meta { T("new", { { "id", "integer" } }) }, { live("old", { { name = "id", type = "integer" } }) })
      assert.equal("remove_table add_table", kinds_of(list))
    end)

    it("creates a referenced table before the tables referencing it", function()
      local m = meta {
        T("posts", { { "author", "integer", references = "users.id" } }),
        T("users", { { "id", "integer", primary_key = true }, { "team", "integer", references = "teams.id" } }),
        T("teams", { { "id", "integer", primary_key = true } }),
      }
      assert.same({ "add table teams", "add table users", "add table posts" }, described(m))
    end)

    it("breaks a cycle at the first table, whose foreign key comes after both tables", function()
      local m = meta {
        T("a", { { "id", "integer", primary_key = true }, { "b_id", "integer", references = "b.id" } }),
        T("b", { { "id", "integer", primary_key = true }, { "a_id", "integer", references = "a.id" } }),
      }
      local list = diffs(m)
      assert.equal("add_table add_table add_constraint", kinds_of(list))
      assert.same({ "a", "b", "a" }, { list[1].table, list[2].table, list[3].table })
      assert.is_nil(list[1].def.columns[2].references, "the deferred key is left out of create_table")
      assert.same({ "b", "a_b_id_fkey" }, { list[3].constraint.referent, list[3].constraint.name })
    end)

    it("sees a table comment change", function()
      local m = meta { T("t", { { "a", "integer" } }, { comment = "new" }) }
      local list = diffs(m, { live("t", { { name = "a", type = "integer" } }, { comment = "old" }) })
      assert.same({ { kind = "table_comment", table = "t", from = "old", to = "new" } }, list)
    end)
  end)

  describe("filter", function()
    it("leaves out what include_object refuses and the ignored tables, on both sides", function()
      local seen = {}
      local opts = { include_object = function(obj)
        seen[#seen + 1] = ("%s %s %s"):format(obj.type, obj.name, tostring(obj.reflected))
        return obj.name ~= "legacy" and obj.name ~= "skipped"
      end }
      local m = meta { T("t", { { "a", "integer" } }), T("skipped", { { "id", "integer" } }) }
      local reflected = { live("t", { { name = "a", type = "integer" }, { name = "legacy", type = "integer" } }),
                          live("luamig_version", { { name = "version_num", type = "text" } }) }
      assert.same({}, diffs(m, reflected, opts))
      assert.same({ "table t false", "column a false", "table skipped false",
                    "table t true", "column a true", "column legacy true" }, seen)
    end)
  end)

  describe("schemas_to_read", function()
    it("reads the current schema and those the model names, unless told which", function()
      local tables = model.tables(meta { T("a", { { "id", "integer" } }, { schema = "app" }),
                                         T("b", { { "id", "integer" } }) }, "public")
      assert.same({ "public", "app" }, compare.schemas_to_read({}, tables, "public"))
      assert.same({ "x" }, compare.schemas_to_read({ schemas = { "x" } }, tables, "public"))
    end)
  end)

  it("puts every record it makes in a named phase", function()
    local phase_names = {}
    for _, name in ipairs(kinds.phases) do phase_names[name] = true end
    for _, d in ipairs(diffs(meta { T("n", { { "id", "integer", references = "n.id" } }) },
                              { live("o", { { name = "a", type = "integer" } }) })) do
      assert.is_true(phase_names[kinds.phase(d)], d.kind)
    end
  end)
end)
