-- Unit specs of the objects tables need (issue 15 items 1, 8, 10):
-- schemas, extensions, sequences, enums and domains compared by
-- luamig.autogen.objects, rendered by luamig.autogen.kinds, their SQL built
-- by luamig.ddl, their model written with luamig.schema. No database: the
-- live side is written here as luamig.autogen.catalog reads it.
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")
local compare = require("luamig.autogen.compare")
local model = require("luamig.autogen.model")
local objects = require("luamig.autogen.objects")
local ddl = require("luamig.ddl")

local T, meta = schema.table, schema.metadata

local NONE = { extensions = {}, sequences = {}, enums = {}, domains = {}, schemas = {} }

-- A live sequence as the catalog reads it: every value, bigint 1.. by default.
local function live_sequence(name, extra)
  local s = { name = name, real_schema = "public", as_type = "bigint", start = 1, increment = 1, minvalue = 1,
              maxvalue = math.maxinteger, cache = 1, cycle = false }
  for k, v in pairs(extra or {}) do s[k] = v end
  return s
end

local function live(extra)
  local out = {}
  for k, v in pairs(NONE) do out[k] = v end
  for k, v in pairs(extra) do out[k] = v end
  return out
end

-- The records between a metadata and live tables and objects, merged.
local function diffs(metadata, live_objects, live_tables, read)
  local tables = compare.filter(model.tables(metadata, "public"), {}, false)
  local mine = objects.model(metadata, tables, "public")
  read = read or { "public" }
  local table_diffs = compare.diffs(tables, compare.filter(live_tables or {}, {}, true))
  return objects.merge(table_diffs, objects.diffs(objects.filter(mine, {}, false, read, "public"),
                                                  objects.filter(live_objects or NONE, {}, true, read, "public")))
end

local function kinds_of(list)
  local out = {}
  for i, d in ipairs(list) do out[i] = d.kind end
  return table.concat(out, " ")
end

describe("autogen objects", function()
  describe("schemas", function()
    it("creates the schema of a new table first and drops it last", function()
      local d = diffs(meta { T("things", { { "id", "integer" } }, { schema = "app" }) })
      assert.equal("add_schema add_table", kinds_of(d))
      local up, down = autogen.render(d)
      assert.matches('^op.create_schema%("app"%)\nop.create_table%("things"', up)
      assert.matches('op.drop_table%("things", { schema = "app" }%)\nop.drop_schema%("app"%)$', down)
    end)

    it("drops a schema that was read and is not in the model, never the current one nor public", function()
      local d = diffs(meta {}, live { schemas = { "public", "app", "other" } }, {}, { "public", "app" })
      assert.same({ "remove schema app" }, autogen.describe(d))
    end)
  end)

  describe("extensions", function()
    it("adds and removes extensions, rendering their schema", function()
      local d = diffs(meta { schema.extension("citext", { schema = "public" }) },
        live { extensions = { { name = "pgcrypto", schema = "public" } } })
      assert.same({ "add extension citext", "remove extension pgcrypto" }, autogen.describe(d))
      local up, down = autogen.render(d)
      assert.equal('op.create_extension("citext", { schema = "public", if_not_exists = true })\n'
        .. 'op.drop_extension("pgcrypto")', up)
      assert.equal('op.create_extension("pgcrypto", { schema = "public", if_not_exists = true })\n'
        .. 'op.drop_extension("citext")', down)
    end)

    it("leaves alone a live extension of a schema not read", function()
      assert.same({}, diffs(meta {}, live { extensions = { { name = "pgcrypto", schema = "ext" } } }))
    end)
  end)

  describe("sequences", function()
    it("renders only the values CREATE SEQUENCE would not pick itself", function()
      local d = diffs(meta { schema.sequence("s1"), schema.sequence("s2", { as_type = "integer", start = 10,
        increment = 5, cache = 20, cycle = true }) })
      local up = autogen.render(d)
      assert.equal('op.create_sequence("s1")\n'
        .. 'op.create_sequence("s2", { as_type = "integer", increment = 5, start = 10, cache = 20, cycle = true })', up)
    end)

    it("finds a model sequence equal to the live one with its defaults spelled out", function()
      assert.same({}, diffs(meta { schema.sequence("s", { as_type = "bigint", start = 1, increment = 1 }) },
        live { sequences = { live_sequence("s") } }))
    end)

    it("sees a changed increment and cache as one alter_sequence", function()
      local d = diffs(meta { schema.sequence("s", { increment = 2, cache = 10 }) },
        live { sequences = { live_sequence("s") } })
      assert.equal("alter_sequence", kinds_of(d))
      local up, down = autogen.render(d)
      assert.equal('op.alter_sequence("s", { increment = 2, cache = 10 })', up)
      assert.equal('op.alter_sequence("s", { increment = 1, cache = 1 })', down)
    end)

    it("sets OWNED BY after the table is created and clears it before the table goes", function()
      local d = diffs(meta { schema.sequence("t_n_seq", { owned_by = "t.n" }),
        T("t", { { "n", "bigint", default = "nextval('t_n_seq'::regclass)" } }) })
      assert.equal("add_sequence add_table sequence_owner", kinds_of(d))
      local up, down = autogen.render(d)
      assert.matches('^op.create_sequence%("t_n_seq"%)\nop.create_table', up)
      assert.matches('op.alter_sequence%("t_n_seq", { owned_by = "t.n" }%)$', up)
      assert.matches('^op.alter_sequence%("t_n_seq", { owned_by = op.NULL }%)\nop.drop_table%("t"%)\n'
        .. 'op.drop_sequence%("t_n_seq"%)$', down)
    end)
  end)

  describe("enums", function()
    it("creates an enum before the tables and drops it after them", function()
      local d = diffs(meta { schema.enum("mood", { "sad", "ok" }), T("p", { { "m", "mood" } }) })
      assert.equal("add_enum add_table", kinds_of(d))
      local up, down = autogen.render(d)
      assert.matches('^op.create_enum%("mood", { "sad", "ok" }%)\n', up)
      assert.matches('\nop.drop_enum%("mood"%)$', down)
    end)

    it("adds new values in their place, each in a transaction of its own", function()
      local d = diffs(meta { schema.enum("mood", { "meh", "sad", "ok", "happy" }) },
        live { enums = { { name = "mood", real_schema = "public", values = { "sad", "ok" } } } })
      assert.same({ 'add value "meh" to enum mood', 'add value "happy" to enum mood' }, autogen.describe(d))
      local up = autogen.render(d)
      assert.equal('op.autocommit(function() op.add_enum_value("mood", "meh", { before = "sad" }) end)\n'
        .. 'op.autocommit(function() op.add_enum_value("mood", "happy", { after = "ok" }) end)', up)
    end)

    it("refuses a removed or reordered value in the revision itself, both ways", function()
      local d = diffs(meta { schema.enum("mood", { "ok", "sad" }) },
        live { enums = { { name = "mood", real_schema = "public", values = { "sad", "ok" } } } })
      assert.same({ 'change values of enum mood: { "sad", "ok" } -> { "ok", "sad" }' }, autogen.describe(d))
      local up, down = autogen.render(d)
      for _, body in ipairs { up, down } do
        assert.matches("^%-%- enum mood: .*ALTER TYPE only adds values: write this step by hand\nerror%(", body)
      end
    end)

    it("cannot take a value back on downgrade: says so and stops", function()
      local d = diffs(meta { schema.enum("mood", { "sad", "ok" }) },
        live { enums = { { name = "mood", real_schema = "public", values = { "sad" } } } })
      local _, down = autogen.render(d)
      assert.matches('^%-%- enum mood: value "ok" would have to go; .*\nerror%(', down)
    end)
  end)

  describe("domains", function()
    it("creates a domain with its checks before tables, after enums", function()
      local d = diffs(meta { schema.domain("year", "integer", { constraints = { { name = "year_check",
        check = "VALUE >= 1901" } } }), schema.enum("e", { "a" }) })
      assert.equal("add_enum add_domain", kinds_of(d))
      assert.equal('op.create_enum("e", { "a" })\nop.create_domain("year", "integer", '
        .. '{ constraints = { { name = "year_check", check = "VALUE >= 1901" } } })', (autogen.render(d)))
    end)
  end)

  describe("the model DSL", function()
    it("refuses what the server would refuse, naming the object", function()
      assert.has_error(function() schema.sequence("s", { as_type = "text" }) end,
        'sequence "s": as_type must be smallint, integer or bigint, got "text"')
      assert.has_error(function() schema.sequence("s", { start = 1.5 }) end,
        'sequence "s": start must be an integer, got number')
      assert.has_error(function() schema.enum("e", { "a", "a" }) end, 'enum "e": value "a" is listed twice')
      assert.has_error(function() schema.extension("x", { shema = "public" }) end,
        'extension "x": unknown option "shema"')
      assert.has_error(function() meta { schema.enum("e", { "a" }), schema.enum("e", { "b" }) } end,
        'schema.metadata: enum "e" is defined twice')
    end)
  end)

  describe("the SQL", function()
    it("builds each statement with quoted names and literal labels", function()
      assert.same({ 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA "public"' },
        ddl.create_extension("uuid-ossp", { schema = "public", if_not_exists = true }))
      assert.same({ 'CREATE SEQUENCE "app"."s" AS integer INCREMENT BY 2 NO MINVALUE START WITH 5 CACHE 3 CYCLE '
        .. 'OWNED BY "app"."t"."id"' }, ddl.create_sequence("op.create_sequence", "s", { schema = "app",
        as_type = "integer", increment = 2, minvalue = ddl.NULL, start = 5, cache = 3, cycle = true, owned_by = "t.id" }))
      assert.same({ 'ALTER SEQUENCE "s" OWNED BY NONE' }, ddl.alter_sequence("op.alter_sequence", "s",
        { owned_by = ddl.NULL }))
      assert.same({ [[CREATE TYPE "mood" AS ENUM ('it''s', 'ok')]] }, ddl.create_enum("op.create_enum", "mood",
        { "it's", "ok" }, {}))
      assert.same({ [[ALTER TYPE "mood" ADD VALUE 'meh' BEFORE 'ok']] }, ddl.add_enum_value("op.add_enum_value",
        "mood", "meh", { before = "ok" }))
      assert.same({ 'CREATE DOMAIN "year" AS integer NOT NULL CONSTRAINT "year_check" CHECK (VALUE > 0)' },
        ddl.create_domain("op.create_domain", "year", "integer", { nullable = false,
        constraints = { { name = "year_check", check = "VALUE > 0" } } }))
    end)

    it("refuses a statement break in a domain check", function()
      assert.has_error(function()
        ddl.create_domain("op.create_domain", "d", "integer", { constraints = { { check = "true); DROP TABLE x" } } })
      end)
    end)
  end)
end)
