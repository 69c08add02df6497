-- Unit specs of autogenerate's rendering and descriptions: diff records
-- (written here as luamig.autogen.compare makes them) in, exact Lua text
-- and "Detected ..." lines out, no database.
local autogen = require("luamig.autogen")
local kinds = require("luamig.autogen.kinds")

-- Runs rendered text with an `op` that records each call (and nothing
-- else in the environment, as a revision's upgrade would see).
local function calls_of(body)
  local calls = {}
  local op = setmetatable({}, { __index = function(_, name)
    return function(...) calls[#calls + 1] = { name, ... } end
  end })
  local fn = assert(load("local op = ...\n" .. body, "=rendered", "t", {}))
  fn(op)
  return calls
end

-- The upgrade and downgrade of one record, each checked to load as Lua.
local function rendered(d)
  local upgrade, downgrade = autogen.render({ d })
  calls_of(upgrade)
  calls_of(downgrade)
  return upgrade, downgrade
end
local function up(d) return (rendered(d)) end
local function down(d) return select(2, rendered(d)) end

describe("autogen.render", function()
  it("renders a new table with its columns, options and constraints", function()
    local d = { kind = "add_table", table = "users", schema = "app", def = {
      name = "users", schema = "app", comment = "people",
      columns = {
        { name = "id", type = "bigserial", primary_key = true, nullable = false },
        { name = "email", type = "varchar(200)", nullable = false, unique = true, default = "''" },
        { name = "team_id", type = "int4", references = { table = "teams", columns = { "id" } } },
        { name = "boss", type = "int4", references = { table = "users", columns = "id", ondelete = "SET NULL" } },
      },
      constraints = { { type = "check", name = "ck_email", expr = "email LIKE '%@%'" } },
    } }
    assert.equal(table.concat({
      'op.create_table("users", {',
      '  { "id", "bigserial", primary_key = true },',
      '  { "email", "varchar(200)", nullable = false, default = "\'\'", unique = true },',
      '  { "team_id", "int4", references = "teams.id" },',
      '  { "boss", "int4", references = { table = "users", columns = { "id" }, ondelete = "SET NULL" } },',
      '}, {',
      '  schema = "app",',
      '  comment = "people",',
      '  constraints = {',
      '    { type = "check", name = "ck_email", expr = "email LIKE \'%@%\'" },',
      '  },',
      '})',
    }, "\n"), up(d))
    assert.equal('op.drop_table("users", { schema = "app" })', down(d))
  end)

  it("renders column changes, op.NULL for a default dropped, and swaps them for the downgrade", function()
    local d = { kind = "alter_column", table = "t", column = "a", changes = {
      type = { from = "text", to = "varchar(20)" }, nullable = { from = true, to = false },
      default = { from = "'x'::text", to = nil }, comment = { from = nil, to = "new" } } }
    assert.equal('op.alter_column("t", "a", { type = "varchar(20)", nullable = false, default = op.NULL, comment = "new" })',
      up(d))
    assert.equal('op.alter_column("t", "a", { type = "text", nullable = true, default = "\'x\'::text", comment = op.NULL })',
      down(d))
  end)

  it("renders indexes with expressions, descending columns and options", function()
    local d = { kind = "add_index", table = "t", index = { name = "ix", unique = true, where = "a > 0", using = "gin",
      columns = { "a", { "b", desc = true }, { expr = "lower(c)" } } } }
    assert.equal('op.create_index("ix", "t", { "a", { "b", desc = true }, { expr = "lower(c)" } }, '
      .. '{ unique = true, where = "a > 0", using = "gin" })', up(d))
    assert.equal('op.drop_index("ix")', down(d))
  end)

  it("renders each type of constraint", function()
    local function constraint(c) return { kind = "add_constraint", table = "t", schema = "s", constraint = c } end
    assert.equal('op.create_unique_constraint("uq", "t", { "a", "b" }, { schema = "s" })',
      up(constraint { type = "unique", name = "uq", columns = { "a", "b" } }))
    assert.equal('op.create_check_constraint("ck", "t", "a > 0", { schema = "s" })',
      up(constraint { type = "check", name = "ck", expr = "a > 0" }))
    assert.equal('op.create_primary_key("pk", "t", { "a" }, { schema = "s" })',
      up(constraint { type = "primary_key", name = "pk", columns = { "a" } }))
    local fk = constraint { type = "foreign_key", name = "fk", columns = { "a" }, referent = "p",
                            remote_columns = { "id" }, ondelete = "CASCADE", referent_schema = "r" }
    assert.equal('op.create_foreign_key("fk", "t", "p", { "a" }, { "id" }, '
      .. '{ source_schema = "s", ondelete = "CASCADE", referent_schema = "r" })', up(fk))
    assert.equal('op.drop_constraint("fk", "t", { schema = "s" })', down(fk))
  end)

  it("renders a table comment set and dropped", function()
    local d = { kind = "table_comment", table = "t", from = nil, to = "it's" }
    assert.equal('op.create_table_comment("t", "it\'s")', up(d))
    assert.equal('op.drop_table_comment("t")', down(d))
  end)

  it("undoes the records in reverse order", function()
    local diffs = {
      { kind = "remove_index", table = "t", index = { name = "ix_old", columns = { "a" } } },
      { kind = "add_column", table = "t", column = { name = "b", type = "text" } },
    }
    local upgrade, downgrade = autogen.render(diffs)
    assert.equal('op.drop_index("ix_old")\nop.add_column("t", { "b", "text" })', upgrade)
    assert.equal('op.drop_column("t", "b")\nop.create_index("ix_old", "t", { "a" })', downgrade)
  end)

  it("suggests a rename where a table drops a column and adds one", function()
    local upgrade = autogen.render {
      { kind = "add_column", table = "t", column = { name = "full_name", type = "text" } },
      { kind = "remove_column", table = "t", column = { name = "name", type = "text" } },
    }
    assert.equal('-- a drop and an add of t.name -> t.full_name: if this was a rename, use '
      .. 'op.alter_column("t", "name", { new_name = "full_name" }) instead\n'
      .. 'op.add_column("t", { "full_name", "text" })\nop.drop_column("t", "name")', upgrade)
  end)

  it("writes hostile names as literals that load back as the same strings, one call per line", function()
    local bad = 'we"ird\n]]; --'
    local upgrade, downgrade = autogen.render {
      { kind = "add_column", table = bad, schema = "s\\x", column = { name = bad, type = "text", comment = "a\nb" } },
      { kind = "table_comment", table = bad, from = "old", to = bad },
    }
    assert.is_nil(upgrade:find("\n--", 1, true), "no rendered line may start a comment")
    assert.equal(1, select(2, upgrade:gsub("\n", "\n")), "two calls, two lines")
    assert.same({ { "add_column", bad, { bad, "text", comment = "a\nb" }, { schema = "s\\x" } },
                  { "create_table_comment", bad, bad } }, calls_of(upgrade))
    assert.same({ { "create_table_comment", bad, "old" }, { "drop_column", bad, bad, { schema = "s\\x" } } },
      calls_of(downgrade))
  end)

  it("renders nothing for no records", function()
    assert.same({ "", "" }, { autogen.render({}) })
  end)
end)

describe("autogen.describe", function()
  it("says what each record changes, quoting names that are not plain", function()
    assert.same({
      "add table app.users",
      'remove column t."Mixed Case"',
      "add index ix on t",
      "remove foreign key fk on t",
      "add unique constraint uq on t",
      "change comment of table t",
    }, autogen.describe {
      { kind = "add_table", table = "users", schema = "app", def = {} },
      { kind = "remove_column", table = "t", column = { name = "Mixed Case", type = "text" } },
      { kind = "add_index", table = "t", index = { name = "ix" } },
      { kind = "remove_constraint", table = "t", constraint = { type = "foreign_key", name = "fk" } },
      { kind = "add_constraint", table = "t", constraint = { type = "unique", name = "uq" } },
      { kind = "table_comment", table = "t", from = "a", to = nil },
    })
  end)

  it("gives one line per change of a column, a missing default as none, on one line", function()
    assert.same({
      "change type of t.a: text -> varchar(2)",
      "change nullability of t.a: NULL -> NOT NULL",
      "change default of t.a: none -> CASE WHEN true THEN 1 END",
      "change comment of t.a",
    }, autogen.describe { { kind = "alter_column", table = "t", column = "a", changes = {
      type = { from = "text", to = "varchar(2)" }, nullable = { from = true, to = false },
      default = { from = nil, to = "CASE WHEN true\n  THEN 1 END" }, comment = { from = "x", to = "y" } } } })
  end)
end)

-------------------------------------- identity, generated, deferral (issue 15 items 4-6)
describe("autogen.render of identity and generated columns and deferral", function()
  it("writes an identity as a word, or a table when it has sequence options", function()
    local d = { kind = "add_column", table = "t", column = { name = "n", type = "bigint", nullable = false,
      identity = { "by default", start = 100 } } }
    assert.equal('op.add_column("t", { "n", "bigint", nullable = false, identity = { "by default", start = 100 } })', up(d))
    d.column = { name = "id", type = "integer", primary_key = true, identity = { "always" } }
    assert.equal('op.add_column("t", { "id", "integer", primary_key = true, identity = "always" })', up(d))
  end)

  it("adds, drops and changes an identity, and the downgrade undoes it", function()
    local d = { kind = "alter_column", table = "t", column = "a", column_type = "integer", changes = {
      identity = { from = nil, to = { "always" } } } }
    assert.equal('op.alter_column("t", "a", { identity = "always" })', up(d))
    assert.equal('op.alter_column("t", "a", { identity = op.NULL })', down(d))
    d.changes.identity = { from = { "by default", start = 5 }, to = { "always", start = 100, minvalue = 10 } }
    assert.equal('op.alter_column("t", "a", { set_identity = { "always", start = 100, minvalue = 10 } })', up(d))
    assert.equal('op.alter_column("t", "a", { set_identity = { "by default", start = 5, minvalue = 1 } })', down(d))
  end)

  it("drops and adds a column whose generation changed, saying why", function()
    local d = { kind = "regenerate_column", table = "t",
      from = { name = "b", type = "integer", generated = "(a * 2)" }, column = { name = "b", type = "integer", generated = "a * 3" } }
    assert.equal(table.concat({
      "-- the expression of a generated column cannot be altered before PostgreSQL 17: t.b is dropped and added",
      'op.drop_column("t", "b")',
      'op.add_column("t", { "b", "integer", generated = "a * 3" })' }, "\n"), up(d))
    assert.matches('generated = "(a * 2)"', down(d), 1, true)
    assert.same({ "change generation of t.b: (a * 2) -> a * 3" }, autogen.describe { d })
  end)

  it("renders the deferral and MATCH FULL of a foreign key and a unique constraint", function()
    assert.equal('op.create_foreign_key("fk", "c", "p", { "a" }, { "id" }, { match = "FULL", deferrable = true, '
      .. 'initially = "DEFERRED" })', up { kind = "add_constraint", table = "c", constraint = { type = "foreign_key",
        name = "fk", columns = { "a" }, referent = "p", remote_columns = { "id" }, match = "FULL", deferrable = true,
        initially = "DEFERRED" } })
    assert.equal('op.create_unique_constraint("uq", "t", { "a" }, { deferrable = true })',
      up { kind = "add_constraint", table = "t", constraint = { type = "unique", name = "uq", columns = { "a" },
        deferrable = true } })
  end)
end)

describe("autogen.kinds", function()
  it("defines for every kind a phase of the safe order, a description, a call and an inverse", function()
    local phases = {}
    for _, name in ipairs(kinds.phases) do phases[name] = true end
    for name, kind in pairs(kinds.kinds) do
      assert.is_function(kind.describe, name)
      assert.is_function(kind.render, name)
      assert.is_function(kind.inverse, name)
      assert.is_true(type(kind.phase) == "function" or phases[kind.phase] == true, name)
    end
  end)

  it("puts foreign keys in their own phases, first of the table changes when dropped and last when created", function()
    local function phase(kind, type_) return kinds.phase { kind = kind, constraint = { type = type_ } } end
    -- first and last of the tables' phases (sequence owners come around them)
    local rank = {}
    for i, name in ipairs(kinds.phases) do rank[name] = i end
    assert.equal("drop_foreign_keys", phase("remove_constraint", "foreign_key"))
    assert.equal("create_foreign_keys", phase("add_constraint", "foreign_key"))
    assert.is_true(rank.drop_foreign_keys < rank.drop_indexes_and_constraints)
    assert.is_true(rank.create_foreign_keys > rank.create_indexes_and_constraints)
    assert.equal("drop_indexes_and_constraints", phase("remove_constraint", "unique"))
    assert.equal("create_indexes_and_constraints", phase("add_constraint", "check"))
  end)
end)
