-- Unit specs of the dialect's statement builders (luamig.ddl): the exact
-- SQL text of tables, columns, constraints and indexes, no database.
local ddl = require("luamig.ddl")

local W = "op.test"

local error_of = require("support.expect").error_of

-- normalised column specs, as op.create_table hands them to the dialect
local function columns(specs)
  local out = {}
  for i, spec in ipairs(specs) do out[i] = ddl.column(W, spec) end
  return out
end

describe("ddl statements", function()
  describe("create_table", function()
    it("writes columns with nullability, defaults, keys, checks and references", function()
      assert.same({ 'CREATE TABLE "app"."users" (\n'
        .. '    "id" bigserial PRIMARY KEY,\n'
        .. '    "Email" text NOT NULL DEFAULT lower(\'X\') UNIQUE CHECK (length("Email") > 3),\n'
        .. '    "team id" integer REFERENCES "teams" ("id") ON DELETE SET NULL,\n'
        .. '    "active" boolean DEFAULT false\n)' },
        ddl.create_table(W, "users", columns {
          { "id", "bigserial", primary_key = true },
          { "Email", "text", nullable = false, default = "lower('X')", unique = true, check = 'length("Email") > 3' },
          { "team id", "integer", references = { table = "teams", column = "id", ondelete = "set null" } },
          { "active", "boolean", default = false },
        }, { schema = "app" }))
    end)

    it("makes several primary_key columns one composite key", function()
      assert.same({ 'CREATE TABLE "pairs" (\n    "a" integer,\n    "b" integer,\n    PRIMARY KEY ("a", "b")\n)' },
        ddl.create_table(W, "pairs", columns { { "a", "integer", primary_key = true },
                                               { "b", "integer", primary_key = true } }, {}))
    end)

    it("writes table-level constraints after the columns", function()
      local sql = ddl.create_table(W, "t", columns { { "a", "integer" }, { "b", "integer" } }, {
        if_not_exists = true,
        constraints = {
          { type = "unique", name = "uq_ab", columns = { "a", "b" }, deferrable = true, initially = "deferred" },
          { type = "check", name = "ck_a", expr = "a > 0" },
          { type = "foreign_key", columns = { "b" }, references = "s.p.id", onupdate = "cascade" },
          { type = "foreign_key", name = "fk", columns = "a", referent = "q", remote_columns = "id",
            deferrable = false },
        },
      })[1]
      assert.equal('CREATE TABLE IF NOT EXISTS "t" (\n    "a" integer,\n    "b" integer,\n'
        .. '    CONSTRAINT "uq_ab" UNIQUE ("a", "b") DEFERRABLE INITIALLY DEFERRED,\n'
        .. '    CONSTRAINT "ck_a" CHECK (a > 0),\n'
        .. '    FOREIGN KEY ("b") REFERENCES "s"."p" ("id") ON UPDATE CASCADE,\n'
        .. '    CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "q" ("id") NOT DEFERRABLE\n)', sql)
    end)

    it("comments the table and its columns in statements of their own", function()
      assert.same({ 'CREATE TABLE "t" (\n    "a" text\n)', [[COMMENT ON TABLE "t" IS 'the t''s']],
                    [[COMMENT ON COLUMN "t"."a" IS E'a\\b']] },
        ddl.create_table(W, "t", columns { { "a", "text", comment = [[a\b]] } }, { comment = "the t's" }))
    end)

    it("refuses a default that carries a second statement", function()
      assert.equal([[op.test: column "a": default "0; DROP TABLE t" may not contain ';' or comments]],
        error_of(ddl.column, W, { "a", "int", default = "0; DROP TABLE t" }))
    end)
  end)

  describe("drop, rename and comment of a table", function()
    it("writes each with its options", function()
      assert.same({ 'DROP TABLE IF EXISTS "s"."t" CASCADE' }, ddl.drop_table("t", { schema = "s", if_exists = true,
                                                                                    cascade = true }))
      assert.same({ 'ALTER TABLE "old" RENAME TO "New"' }, ddl.rename_table("old", "New", {}))
      assert.same({ 'COMMENT ON TABLE "t" IS NULL' }, ddl.table_comment("t", nil, {}))
    end)
  end)

  describe("columns", function()
    it("adds a column with its comment", function()
      assert.same({ 'ALTER TABLE "s"."t" ADD COLUMN IF NOT EXISTS "n" numeric(10, 2) NOT NULL DEFAULT 0',
                    [[COMMENT ON COLUMN "s"."t"."n" IS 'amount']] },
        ddl.add_column(W, "t", ddl.column(W, { "n", "numeric(10, 2)", nullable = false, default = 0,
                                               comment = "amount" }), { schema = "s", if_not_exists = true }))
    end)

    it("drops a column", function()
      assert.same({ 'ALTER TABLE "t" DROP COLUMN IF EXISTS "a b" CASCADE' },
        ddl.drop_column("t", "a b", { if_exists = true, cascade = true }))
    end)

    it("alters type, nullability and default in one statement, the old default dropped first", function()
      assert.same({ 'ALTER TABLE "t" ALTER COLUMN "a" DROP DEFAULT, ALTER COLUMN "a" TYPE bigint USING a::bigint, '
                    .. 'ALTER COLUMN "a" SET NOT NULL, ALTER COLUMN "a" SET DEFAULT 1' },
        ddl.alter_column(W, "t", "a", { type = "bigint", using = "a::bigint", nullable = false, default = 1 }))
    end)

    it("sets the comment and renames last", function()
      assert.same({ 'ALTER TABLE "t" ALTER COLUMN "a" DROP DEFAULT', 'COMMENT ON COLUMN "t"."a" IS NULL',
                    'ALTER TABLE "t" RENAME COLUMN "a" TO "b"' },
        ddl.alter_column(W, "t", "a", { default = ddl.NULL, comment = ddl.NULL, new_name = "b" }))
    end)

    it("refuses using without type, and nothing to change", function()
      assert.equal("op.test: using needs type: it says how to convert the column to the new type",
        error_of(ddl.alter_column, W, "t", "a", { using = "a::int" }))
      assert.equal("op.test: nothing to change: give type, nullable, default, identity, set_identity, statistics, comment or new_name",
        error_of(ddl.alter_column, W, "t", "a", {}))
    end)
  end)

  describe("indexes", function()
    it("writes a unique partial index with a method, expressions, opclass and order", function()
      assert.same({ 'CREATE UNIQUE INDEX "ix" ON "s"."t" USING btree ("a", (lower(b)), "c" "text_pattern_ops" DESC) '
                    .. "WHERE a IS NOT NULL" },
        ddl.create_index(W, "ix", "t", { "a", { expr = "lower(b)" }, { "c", opclass = "text_pattern_ops", desc = true } },
          { unique = true, using = "BTREE", where = "a IS NOT NULL", schema = "s" }))
    end)

    it("writes a concurrent index, and a single name as its column list", function()
      assert.same({ 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ix" ON "t" ("a")' },
        ddl.create_index(W, "ix", "t", "a", { concurrently = true, if_not_exists = true }))
    end)

    it("drops an index", function()
      assert.same({ 'DROP INDEX CONCURRENTLY IF EXISTS "s"."ix"' },
        ddl.drop_index("ix", { schema = "s", concurrently = true, if_exists = true }))
      assert.same({ 'DROP INDEX "ix" CASCADE' }, ddl.drop_index("ix", { cascade = true }))
    end)

    it("refuses an index column's desc that is not a boolean", function()
      assert.equal("op.test: desc must be a boolean, got number",
        error_of(ddl.create_index, W, "ix", "t", { { "a", desc = 1 } }, {}))
    end)

    it("refuses an access method that is not a bare word", function()
      assert.equal('op.test: using "gin(x)" is not an index access method name',
        error_of(ddl.create_index, W, "ix", "t", { "a" }, { using = "gin(x)" }))
    end)
  end)

  describe("constraints", function()
    it("adds a foreign key NOT VALID", function()
      assert.same({ 'ALTER TABLE "s"."t" ADD CONSTRAINT "fk" FOREIGN KEY ("a", "b") REFERENCES "r"."p" ("x", "y") '
                    .. "ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE NOT VALID" },
        ddl.add_constraint(W, "t", { type = "foreign_key", name = "fk", columns = { "a", "b" }, referent = "p",
          referent_schema = "r", remote_columns = { "x", "y" }, ondelete = "cascade", onupdate = "no  action",
          deferrable = true, initially = "immediate" }, { schema = "s", not_valid = true }))
    end)

    it("adds a primary key and drops a constraint", function()
      assert.same({ 'ALTER TABLE "t" ADD CONSTRAINT "pk" PRIMARY KEY ("a")' },
        ddl.add_constraint(W, "t", { type = "primary_key", name = "pk", columns = { "a" } }, {}))
      assert.same({ 'ALTER TABLE "t" DROP CONSTRAINT IF EXISTS "Odd ""c""" CASCADE' },
        ddl.drop_constraint('Odd "c"', "t", { if_exists = true, cascade = true }))
    end)

    it("refuses an option the constraint type does not take", function()
      assert.equal('op.test: unknown check constraint option "deferrable"',
        error_of(ddl.table_constraint, W, { type = "check", expr = "a > 0", deferrable = true }))
    end)

    it("refuses references together with referent, where one would be ignored", function()
      assert.equal("op.test: a foreign key takes references or referent, remote_columns and referent_schema, not both",
        error_of(ddl.table_constraint, W, { type = "foreign_key", columns = { "a" }, references = "p.id",
                                            referent = "q" }))
    end)

    it("refuses an unknown referential action", function()
      assert.equal('op.test: unknown referential action "explode" (CASCADE, RESTRICT, SET NULL, SET DEFAULT, NO ACTION)',
        error_of(ddl.table_constraint, W, { type = "foreign_key", columns = { "a" }, references = "p.id",
                                            ondelete = "explode" }))
    end)
  end)

  ------------------------------------ identity, generated, deferral (issue 15 items 4-6)
  describe("identity and generated columns, MATCH FULL", function()
    it("writes an identity column with its sequence options, and a stored generated column", function()
      assert.same({ 'CREATE TABLE "t" (\n'
        .. '    "id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n'
        .. '    "n" bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY -5 MINVALUE 1 '
        .. 'MAXVALUE 1000 CACHE 10 CYCLE),\n'
        .. '    "d" integer GENERATED ALWAYS AS (id * 2) STORED\n)' },
        ddl.create_table(W, "t", columns {
          { "id", "integer", identity = "always", primary_key = true },
          { "n", "bigint", nullable = false, identity = { "BY DEFAULT", start = 100, increment = -5, minvalue = 1,
                                                         maxvalue = 1000, cache = 10, cycle = true } },
          { "d", "integer", generated = "id * 2" },
        }, {}))
    end)

    it("refuses an identity with a default, an unknown generation or a sequence option that is no integer", function()
      assert.equal('op.test: column "a": a column cannot have both a default and identity or generated',
        error_of(ddl.column, W, { "a", "integer", default = "1", identity = "always" }))
      assert.equal('op.test: column "a": unknown identity "sometimes" (ALWAYS, BY DEFAULT)',
        error_of(ddl.column, W, { "a", "integer", identity = "sometimes" }))
      assert.equal('op.test: column "a": identity option start must be an integer, got string',
        error_of(ddl.column, W, { "a", "integer", identity = { "always", start = "1" } }))
      assert.equal('op.test: column "a": unknown identity option "step"',
        error_of(ddl.column, W, { "a", "integer", identity = { "always", step = 1 } }))
    end)

    it("adds, changes and drops the identity of a column", function()
      assert.same({ 'ALTER TABLE "t" ALTER COLUMN "a" ADD GENERATED BY DEFAULT AS IDENTITY (START WITH 5)' },
        ddl.alter_column(W, "t", "a", { identity = { "by default", start = 5 } }))
      assert.same({ 'ALTER TABLE "t" ALTER COLUMN "a" SET GENERATED ALWAYS SET START WITH 1 SET MINVALUE 1 SET NO CYCLE' },
        ddl.alter_column(W, "t", "a", { set_identity = { "always", start = 1, minvalue = 1, cycle = false } }))
      assert.same({ 'ALTER TABLE "t" ALTER COLUMN "a" DROP IDENTITY' },
        ddl.alter_column(W, "t", "a", { identity = ddl.NULL }))
    end)

    it("writes MATCH FULL and the deferral of a foreign key", function()
      assert.same({ 'ALTER TABLE "c" ADD CONSTRAINT "fk" FOREIGN KEY ("a", "b") REFERENCES "p" ("x", "y") MATCH FULL '
        .. 'ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED' },
        ddl.add_constraint(W, "c", { type = "foreign_key", name = "fk", columns = { "a", "b" }, referent = "p",
          remote_columns = { "x", "y" }, match = "full", ondelete = "cascade", deferrable = true,
          initially = "deferred" }, {}))
    end)
  end)

  describe("edits of existing objects (#15)", function()
    it("alters a domain: default, NOT NULL, a check dropped and one added, one statement each", function()
      assert.same({ 'ALTER DOMAIN "app"."year" SET DEFAULT 2000', 'ALTER DOMAIN "app"."year" SET NOT NULL',
                    'ALTER DOMAIN "app"."year" DROP CONSTRAINT "old"',
                    'ALTER DOMAIN "app"."year" ADD CONSTRAINT "new" CHECK (VALUE > 0)' },
        ddl.alter_domain(W, "year", { schema = "app", default = "2000", nullable = false, drop_constraint = "old",
                                      add_constraint = { name = "new", check = "VALUE > 0" } }))
      assert.same({ 'ALTER DOMAIN "year" DROP DEFAULT', 'ALTER DOMAIN "year" DROP NOT NULL' },
        ddl.alter_domain(W, "year", { default = ddl.NULL, nullable = true }))
      assert.has_error(function() ddl.alter_domain(W, "year", {}) end)
    end)

    it("names an identity's sequence in the table's schema, and renames a sequence", function()
      assert.same({ 'ALTER TABLE "s"."t" ADD COLUMN "id" integer GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "s"."ids" START WITH 5)' },
        ddl.add_column(W, "t", { name = "id", type = "integer", identity = { "always", sequence_name = "ids", start = 5 } },
          { schema = "s" }))
      assert.same({ 'ALTER SEQUENCE "s"."a" RENAME TO "b"' }, ddl.rename_sequence("a", "b", { schema = "s" }))
      assert.has_error(function() ddl.alter_column(W, "t", "id", { set_identity = { sequence_name = "x" } }) end)
    end)

    it("moves an extension to another schema", function()
      assert.same({ 'ALTER EXTENSION "citext" SET SCHEMA "ext"' }, ddl.alter_extension(W, "citext", { schema = "ext" }))
    end)

    it("writes a function's identity without defaults, commas and '=' inside them kept out", function()
      assert.equal("a int, b text", ddl.function_identity("a int = coalesce(1, 2), b text DEFAULT '{x,y}'"))
      assert.equal('x "my = type", VARIADIC xs int[]', ddl.function_identity('x "my = type" default 3, VARIADIC xs int[]'))
      assert.equal("", ddl.function_identity(nil))
    end)

    it("adds and removes a parent of a table", function()
      assert.same({ 'ALTER TABLE "s"."login" INHERIT "app"."audit"' },
        ddl.inherit(W, "login", "audit", { schema = "s", parent_schema = "app" }))
      assert.same({ 'ALTER TABLE "login" NO INHERIT "audit"' }, ddl.no_inherit(W, "login", "audit", {}))
    end)

    it("restarts an identity (RESTART [WITH n]) among its SET options, and only in set_identity", function()
      assert.same({ 'ALTER TABLE "t" ALTER COLUMN "id" SET INCREMENT BY 5 RESTART WITH 10' },
        ddl.alter_column(W, "t", "id", { set_identity = { increment = 5, restart = 10 } }))
      assert.same({ 'ALTER TABLE "t" ALTER COLUMN "id" RESTART' }, ddl.alter_column(W, "t", "id", { set_identity = { restart = true } }))
      assert.equal("op.test: set_identity option restart must be an integer or true, got string",
        error_of(ddl.alter_column, W, "t", "id", { set_identity = { restart = "1" } }))
      assert.has_error(function() ddl.column(W, { "id", "integer", identity = { "always", restart = 1 } }) end)
    end)

    it("detaches a partition and attaches it with a bound", function()
      assert.same({ 'ALTER TABLE "s"."m" DETACH PARTITION "p"."m1"' },
        ddl.detach_partition(W, "m1", "m", { schema = "p", parent_schema = "s" }))
      assert.same({ [[ALTER TABLE "m" ATTACH PARTITION "m1" FOR VALUES IN (1)]] },
        ddl.attach_partition(W, "m1", "m", "FOR VALUES IN (1)", {}))
      assert.has_error(function() ddl.attach_partition(W, "m1", "m", "DEFAULT; DROP TABLE m", {}) end)
    end)
  end)

  -- issue 15: transition tables, constraint triggers, comments on views, triggers and policies
  describe("triggers, views and policies", function()
    local audit = { timing = "AFTER", events = { "UPDATE" }, execute = "audit()" }
    local function with(t) return require("luamig.lists").merge(audit, t) end

    it("writes REFERENCING with the transition tables before FOR EACH", function()
      assert.same({ 'CREATE TRIGGER "a" AFTER UPDATE ON "s"."t" REFERENCING OLD TABLE AS "gone" NEW TABLE AS "came" '
        .. 'FOR EACH STATEMENT EXECUTE FUNCTION audit()' },
        ddl.create_trigger(W, "a", "t", with { old_table = "gone", new_table = "came" }, { schema = "s" }))
    end)

    it("writes a constraint trigger with its deferral, and its comment", function()
      assert.same({ 'CREATE CONSTRAINT TRIGGER "a" AFTER UPDATE ON "t" DEFERRABLE INITIALLY DEFERRED '
        .. 'FOR EACH ROW EXECUTE FUNCTION audit()', [[COMMENT ON TRIGGER "a" ON "t" IS 'it''s late']] },
        ddl.create_trigger(W, "a", "t", with { constraint = true, deferrable = true, initially = "deferred",
                                               each = "ROW", comment = "it's late" }, {}))
    end)

    it("refuses a deferral on a trigger that is not a constraint trigger", function()
      assert.equal("op.test: deferrable and initially need constraint = true",
        error_of(ddl.create_trigger, W, "a", "t", with { deferrable = true }, {}))
    end)

    it("writes COMMENT ON VIEW, MATERIALIZED VIEW, TRIGGER and POLICY, NULL removing one", function()
      assert.same({ [[COMMENT ON MATERIALIZED VIEW "s"."v" IS 'x']] },
        ddl.comment_on_view("v", "x", { schema = "s", materialized = true }))
      assert.same({ 'COMMENT ON VIEW "v" IS NULL' }, ddl.comment_on_view("v", nil, {}))
      assert.same({ 'COMMENT ON TRIGGER "a" ON "t" IS NULL' }, ddl.comment_on_trigger("a", "t", nil, {}))
      assert.same({ [[COMMENT ON POLICY "p" ON "s"."t" IS 'x']] }, ddl.comment_on_policy("p", "t", "x", { schema = "s" }))
    end)
  end)

  describe("aggregates (issue 15)", function()
    it("writes CREATE AGGREGATE's clauses in pg_dump's order, (*) for no arguments, and its comment", function()
      assert.same({ 'CREATE AGGREGATE "app"."group_concat"(text) (\n    SFUNC = _group_concat,\n    STYPE = text\n)' },
        ddl.create_aggregate(W, "group_concat", { args = "text", sfunc = "_group_concat", stype = "text" },
          { schema = "app" }))
      assert.same({ 'CREATE AGGREGATE "n"(*) (\n    SFUNC = int8inc,\n    STYPE = bigint,\n    FINALFUNC_EXTRA,\n'
        .. "    FINALFUNC_MODIFY = READ_WRITE,\n    INITCOND = '0''s',\n    MSSPACE = 8,\n    SORTOP = >,\n"
        .. '    PARALLEL = SAFE\n)', 'COMMENT ON AGGREGATE "n"(*) IS \'counts\'' },
        ddl.create_aggregate(W, "n", { sfunc = "int8inc", stype = "bigint", finalfunc_extra = true,
          finalfunc_modify = "read_write", initcond = "0's", msspace = 8, sortop = ">", parallel = "safe",
          comment = "counts" }, {}))
      assert.same({ 'DROP AGGREGATE IF EXISTS "n"(*) CASCADE' },
        ddl.drop_aggregate(W, "n", "", { if_exists = true, cascade = true }))
    end)

    it("refuses an aggregate without sfunc or stype, an unknown keyword, a statement break", function()
      assert.equal("op.test: sfunc and stype are needed", error_of(ddl.create_aggregate, W, "a", { stype = "int" }, {}))
      assert.equal('op.test: unknown parallel "always" (SAFE, RESTRICTED, UNSAFE)',
        error_of(ddl.create_aggregate, W, "a", { sfunc = "f", stype = "int", parallel = "always" }, {}))
      assert.equal('op.test: sfunc "f; DROP TABLE t" may not contain \';\' or comments',
        error_of(ddl.create_aggregate, W, "a", { sfunc = "f; DROP TABLE t", stype = "int" }, {}))
    end)
  end)
end)
