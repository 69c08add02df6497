-- luamig lint and upgrade's lint gate, run as a user runs them (#17).
local helpers = require("support.helpers")

local function count(conn, sql)
  return conn:exec(sql)[1].n
end

-- a table of n rows, analyzed
local function big_table(conn, name, n)
  conn:exec(("CREATE TABLE %s (id bigint PRIMARY KEY, a integer); INSERT INTO %s SELECT g, g FROM generate_series(1, %d) g; ANALYZE %s")
    :format(name, name, n, name))
end

local UNSAFE_INDEX = { id = "aaaaaaaaaaa1", up = [[    op.create_index("ix_t_a", "t", { "a" })]] }

local function project(url, revisions, settings)
  local s = { lint_small_table_rows = 100 }
  for k, v in pairs(settings or {}) do s[k] = v end
  return helpers.project({ url = url, revisions = revisions, settings = s })
end

describe("luamig lint", function()
  local url, conn
  before_each(function()
    url, conn = helpers.fresh_db()
    big_table(conn, "t", 1000)
  end)
  after_each(function() conn:close() end)

  it("prints each finding as a line naming revision, file:line, rule and why, then a hint, and exits 1 on an error", function()
    local dir = project(url, { UNSAFE_INDEX })
    local code, out = helpers.run(dir, "lint")
    assert.are.equal(1, code)
    local first, hint = out:match("^([^\n]*)\n([^\n]*)\n")
    assert.matches("^luamig: lint: aaaaaaaaaaa1 %(migrations/versions/aaaaaaaaaaa1_rev%.lua:9%): require%-concurrent%-index%-creation: "
      .. "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds; t: ~1,000 rows, %d+ kB$", first)
    assert.matches("^  hint: op%.create_index%(name, table, columns, { concurrently = true }%)", hint)
  end)

  it("prints one JSON document with --json", function()
    local dir = project(url, { UNSAFE_INDEX })
    local code, out = helpers.run(dir, "--json lint")
    assert.are.equal(1, code)
    assert.matches('^{"findings":%[{"hint":"op%.create_index', out)
    assert.matches('"level":"error","line":9,"message":"CREATE INDEX without CONCURRENTLY[^"]*","path":"migrations/versions/aaaaaaaaaaa1_rev.lua","revision":"aaaaaaaaaaa1","rule":"require%-concurrent%-index%-creation","statement":"CREATE INDEX \\"ix_t_a\\" ON \\"t\\" %(\\"a\\"%)"}', out)
    local f = assert(io.popen(helpers.tool(("printf %%s %s | jq -r '.findings[0].rule, (.findings | length), (.stopped | length)'"):format(helpers.shell_quote(out)))))
    local jq = f:read("a")
    f:close()
    assert.are.equal("require-concurrent-index-creation\n2\n0\n", jq)  -- and the timeout warning
  end)

  it("lints the pending revisions only when the database is reachable", function()
    local dir = project(url, { UNSAFE_INDEX, { id = "aaaaaaaaaaa2", down = "aaaaaaaaaaa1", up = [[    op.add_column("t", { "b", "integer" })]] } })
    assert.are.equal(0, (helpers.run(dir, "stamp aaaaaaaaaaa1")))
    local code, out = helpers.run(dir, "lint")
    assert.are.equal(0, code)  -- the pending revision has a warning only
    assert.are.equal(0, select(2, out:gsub("aaaaaaaaaaa1 %(", "")))
    assert.matches("aaaaaaaaaaa2 %([^)]*:9%): require%-timeout%-settings: ", out)
  end)

  it("lints base:heads without live facts when the database is out of reach", function()
    local dir = project("host=/nonexistent port=1 dbname=none", { UNSAFE_INDEX })
    local code, out, err = helpers.run(dir, "lint")
    assert.are.equal(1, code)
    assert.matches("the database is not reachable %(.*%): linting from base, without live facts", err)
    assert.matches("require%-concurrent%-index%-creation: CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds\n", out)
  end)

  it("says how far it linted a revision that needs the database (op.query)", function()
    local dir = project(url, { { id = "aaaaaaaaaaa1", up = [[    op.execute("SET lock_timeout = '1s'")
    local n = op.query("SELECT count(*) AS n FROM t")[1].n
    op.create_index("ix_t_a", "t", { "a" })]] } })
    local code, out = helpers.run(dir, "lint")
    assert.are.equal(0, code)
    assert.are.equal("luamig: lint: aaaaaaaaaaa1 (migrations/versions/aaaaaaaaaaa1_rev.lua:10): op.query needs the database: linted up to this line\n", out)
  end)

  it("reports a statement the PostgreSQL parser refuses", function()
    local dir = project(url, { { id = "aaaaaaaaaaa1", up = [[    op.execute("ALTER TABLE t ADD COLUMN")]] } })
    local code, out = helpers.run(dir, "lint")
    assert.are.equal(1, code)
    assert.matches("aaaaaaaaaaa1 %([^)]*:9%): syntax%-error: the PostgreSQL parser refuses this statement: syntax error at end of input", out)
  end)

  it("leaves out the rules a revision names in lint_ignore, and refuses a name that is no rule", function()
    local rev = helpers.revision_source(UNSAFE_INDEX):gsub("^return {\n", 'return {\n  lint_ignore = { "require-concurrent-index-creation", "require-timeout-settings" },\n')
    local dir = project(url, { { file = "aaaaaaaaaaa1_rev.lua", source = rev } })
    local code, out = helpers.run(dir, "lint")
    assert.are.equal(0, code)
    assert.are.equal("", out)
    helpers.write(dir .. "/migrations/versions/aaaaaaaaaaa1_rev.lua", rev:gsub("require%-timeout%-settings", "no-such-rule"))
    local code2, _, err = helpers.run(dir, "lint")
    assert.are.equal(1, code2)
    assert.matches('lint_ignore names no lint rule: "no%-such%-rule"', err)
  end)

  it("does not wait for a lock another transaction holds on the table it reads the facts of", function()
    local holder = assert(require("luamig.core").connect(url))
    holder:exec("BEGIN")
    holder:exec("LOCK TABLE t")
    local dir = project(url, { UNSAFE_INDEX })
    local code, out = helpers.run(dir, "lint", { timeout = 10 })
    holder:close()
    assert.are.equal(1, code)
    assert.matches("require%-concurrent%-index%-creation: .*; t: ~1,000 rows, %d+ kB\n", out)
  end)

  -- a table never analyzed has no estimate (reltuples -1): the rows the
  -- statistics count stand in for it (examples/blog's empty posts, before
  -- any ANALYZE, counted as big and drew four findings on `upgrade +1`)
  local function never_analyzed(name, n)
    local writer = assert(require("luamig.core").connect(url))
    -- autovacuum off: its ANALYZE would give the table an estimate first
    writer:exec(("CREATE TABLE %s (id bigint PRIMARY KEY, a integer) WITH (autovacuum_enabled = false)"):format(name))
    writer:exec(("INSERT INTO %s SELECT g, g FROM generate_series(1, %d) g"):format(name, n))
    writer:close()  -- a session flushes its statistics as it ends
    local index = { id = "aaaaaaaaaaa1", up = ([[    op.create_index("ix_%s_a", "%s", { "a" })]]):format(name, name) }
    return project(url, { index })
  end

  it("takes the counted rows of a table never analyzed: a few rows are a small table", function()
    local code, out = helpers.run(never_analyzed("fresh", 3), "lint")
    assert.are.equal(0, code, out)
    assert.are.equal("", out)
  end)

  it("takes the counted rows of a table never analyzed: many rows are a big table, and it says so", function()
    local code, out = helpers.run(never_analyzed("loaded", 5000), "lint")
    assert.are.equal(1, code)
    assert.matches("require%-concurrent%-index%-creation: .*; loaded: ~5,000 rows %(counted: never analyzed%)\n", out)
  end)

  it("refuses a lint setting that is not warn, error or off", function()
    local dir = project(url, { UNSAFE_INDEX }, { lint = "strict" })
    local code, _, err = helpers.run(dir, "lint")
    assert.are.equal(1, code)
    assert.matches('lint must be "warn", "error" or "off", got "strict"', err)
  end)
end)

describe("upgrade's lint", function()
  local url, conn
  before_each(function()
    url, conn = helpers.fresh_db()
    big_table(conn, "t", 1000)
  end)
  after_each(function() conn:close() end)

  it("with lint = \"error\" refuses an unsafe pending revision before running anything", function()
    local dir = project(url, { { id = "aaaaaaaaaaa0", up = [[    op.create_table("other", { { "id", "integer" } })]] },
                               { id = "aaaaaaaaaaa1", down = "aaaaaaaaaaa0", up = UNSAFE_INDEX.up } }, { lint = "error" })
    local code, _, err = helpers.run(dir, "upgrade head")
    assert.are.equal(1, code)
    assert.matches("luamig: lint: aaaaaaaaaaa1 %(migrations/versions/aaaaaaaaaaa1_rev.lua:9%): require%-concurrent%-index%-creation: ", err)
    assert.matches('lint found errors in the revisions to run %(lint = "error" in the config%): nothing was applied', err)
    assert.are.same({ "t" }, helpers.tables(conn))  -- no version table, no table "other", no index
    assert.are.equal(0, count(conn, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'ix_t_a'"))
  end)

  it("with the default lint = \"warn\" prints the findings on stderr and applies", function()
    local dir = project(url, { UNSAFE_INDEX })
    local code, out, err = helpers.run(dir, "-q upgrade head")
    assert.are.equal(0, code)
    assert.are.equal("", out)
    assert.matches("^luamig: lint: aaaaaaaaaaa1 %([^)]*%): require%-concurrent%-index%-creation: ", err)
    assert.are.equal(1, count(conn, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'ix_t_a'"))
  end)

  it("with lint = \"off\" prints no finding", function()
    local dir = project(url, { UNSAFE_INDEX }, { lint = "off" })
    local code, _, err = helpers.run(dir, "-q upgrade head")
    assert.are.equal(0, code)
    assert.are.equal("", err)
  end)
end)

describe("lint on examples/", function()
  for _, example in ipairs({ "blog", "teams", "autogen" }) do
    it(("finds nothing in examples/%s on a fresh database"):format(example), function()
      local url = helpers.fresh_db()
      local code, out = helpers.run("examples/" .. example, "lint", { env = { LUAMIG_URL = url } })
      assert.are.equal(0, code)
      if example == "teams" then
        -- its data migration reads the teams it subscribes: lint says where it stopped
        assert.are.equal("luamig: lint: 8b04f6a2d7e1 (migrations/versions/8b04f6a2d7e1_billing_subscribe_every_team.lua:15): "
          .. "op.query needs the database: linted up to this line\n", out)
      else
        assert.are.equal("", out)
      end
    end)
  end
end)
