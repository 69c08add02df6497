-- lint's rules over parsed statements, without a database (#17): the
-- live facts given as lint/facts.lua would read them.
local parse = require("luamig.lint.parse")
local check = require("luamig.lint.check")

local source = { revision = "aaaaaaaaaaa1", path = "migrations/versions/aaaaaaaaaaa1_x.lua" }

-- findings of sql run in a transaction, as recorded at line 9
local function findings(sql, live, cfg)
  local stmts = parse.statements({ { source = source, revision = source.revision, path = source.path, line = 9,
                                     sql = sql, in_transaction = true } })
  return check.run(stmts, cfg or { lock_timeout = "1s" }, live)
end

local function rules_of(list)
  local names = {}
  for i, f in ipairs(list) do names[i] = f.rule end
  return names
end

local function live(version, tables)
  return { server_version = version, tables = tables or {} }
end

describe("lint's check", function()
  it("lets the server version decide: a constant default rewrites the table before PostgreSQL 11, not after", function()
    local sql = "ALTER TABLE t ADD COLUMN c integer DEFAULT 0"
    assert.are.same({ "adding-field-with-default" }, rules_of(findings(sql, live(100000))))
    assert.are.same({}, rules_of(findings(sql, live(150004))))
  end)

  it("counts every function it does not know as stable as volatile", function()
    assert.are.same({ "adding-field-with-default" }, rules_of(findings("ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid()")))
    assert.are.same({}, rules_of(findings("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT CURRENT_TIMESTAMP")))
    assert.are.same({}, rules_of(findings("ALTER TABLE t ADD COLUMN c text DEFAULT lower('X' || 'y')")))
  end)

  it("reads each statement of a multi-statement op.execute, quoting each one", function()
    local found = findings("CREATE TABLE n (id int);\nCREATE INDEX ix_n ON n (id);\nCREATE INDEX ix_t ON t (a)")
    assert.are.same({ "require-concurrent-index-creation" }, rules_of(found))
    assert.are.equal("CREATE INDEX ix_t ON t (a)", found[1].statement)
  end)

  it("exempts a small table and names the rows and size of a big one", function()
    local found = findings("CREATE INDEX ix_t ON t (a); CREATE INDEX ix_s ON s (a)", live(150004, {
      t = { table = "t", rows = 1234567.0, size = "9 MB", small = false },
      s = { table = "s", rows = 12.0, size = "8 kB", small = true } }))
    assert.are.equal(1, #found)
    assert.matches("; t: ~1,234,567 rows, 9 MB$", found[1].message)
  end)

  it("says so when a table was never analyzed: its rows are those the statistics counted", function()
    local found = findings("CREATE INDEX ix_t ON t (a)",
      live(150004, { t = { table = "t", rows = 5000.0, size = "0 bytes", small = false, counted = true } }))
    assert.matches("; t: ~5,000 rows %(counted: never analyzed%)$", found[1].message)
  end)

  it("asks for lock_timeout once per revision, and not after SET lock_timeout", function()
    local two = "ALTER TABLE t ADD COLUMN c int; ALTER TABLE t ADD COLUMN d int"
    assert.are.same({ "require-timeout-settings" }, rules_of(findings(two, nil, {})))
    assert.are.same({}, rules_of(findings("SET lock_timeout = '1s'; " .. two, nil, {})))
  end)

  it("leaves out what a revision's lint_ignore names", function()
    local ignoring = { revision = "aaaaaaaaaaa2", path = "x.lua", lint_ignore = { "require-concurrent-index-creation" } }
    local stmts = parse.statements({ { source = ignoring, revision = "aaaaaaaaaaa2", path = "x.lua", line = 3,
                                       sql = "CREATE INDEX ix_t ON t (a)", in_transaction = true } })
    assert.are.same({}, check.run(stmts, { lock_timeout = "1s" }))
  end)
end)
