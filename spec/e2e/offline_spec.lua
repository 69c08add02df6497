-- Offline mode (--sql): every op renders as SQL that psql runs to the same
-- database the online run builds.
local helpers = require("support.helpers")

local sh = helpers.shell_quote

-- A revision calling every op that does not need a live result, with
-- awkward names and values.
local EVERY_OP = [==[
    op.create_schema("app")
    op.create_table("teams", { { "id", "int", primary_key = true }, { "name", "text", comment = "it's \\ named" } },
      { schema = "app", comment = "teams; --" })
    op.create_table('we"ird', {
      { "id", "bigint", nullable = false },
      { "team_id", "int", references = { table = "teams", column = "id", schema = "app", ondelete = "cascade" } },
      { "email", "text", unique = true, check = "email <> ''" },
      { "score", "numeric(10,2)", default = "0" },
    }, { constraints = { { type = "primary_key", name = "pk weird", columns = { "id" } } } })
    op.add_column('we"ird', { "note", "text", default = "'n/a'" })
    op.alter_column('we"ird', "score", { type = "numeric(12,2)", nullable = false, default = "1", comment = "pts" })
    op.alter_column('we"ird', "note", { default = op.NULL, new_name = "remark" })
    op.create_index("ix email", 'we"ird', { { expr = "lower(email)" }, { "id", desc = true } }, { where = "id > 0" })
    op.autocommit(function()
      op.create_index("ix team", 'we"ird', { "team_id" }, { concurrently = true })
    end)
    op.create_unique_constraint("uq remark", 'we"ird', { "remark", "email" }, { deferrable = true, initially = "deferred" })
    op.create_check_constraint("ck id", 'we"ird', "id < 1000000", { not_valid = true })
    op.create_table("members", { { "team_id", "int" } }, { schema = "app" })
    op.create_foreign_key("fk team", "members", "teams", { "team_id" }, { "id" },
      { source_schema = "app", referent_schema = "app", not_valid = true, onupdate = "restrict" })
    op.create_primary_key("pk members", "members", { "team_id" }, { schema = "app" })
    op.bulk_insert("teams", { { 1, "tab\there" }, { 2, "new\nline\\back" }, { 3, nil }, { 4, "\\." }, { 5, "" } },
      { schema = "app", columns = { "id", "name" } })
    op.execute([[INSERT INTO "we""ird" (id, team_id, email) VALUES ($1, $2, $3), ($4, NULL, '$1')]],
      { 1, 2, "o'neil\\x@example.com", 2 })
    op.create_table_comment('we"ird', "a 'table'")
    op.rename_table("members", "people", { schema = "app" })
    op.create_table("gone", { { "id", "int", unique = true } })
    op.drop_constraint("gone_id_key", "gone", { type = "unique" })
    op.drop_column("gone", "id")
    op.drop_table("gone")
    op.drop_index("ix email")
    op.create_schema("tmp", { if_not_exists = true })
    op.drop_schema("tmp", { cascade = true })]==]

local function project(url, up)
  return helpers.project { url = url, revisions = { { id = "0ff000000001", message = "every op", up = up } } }
end

-- The schema and data of a database as pg_dump prints them, without the
-- run's own history (times differ).
local function dump(url)
  local p = io.popen(helpers.tool(("pg_dump --no-owner --exclude-table='luamig_history*' -d %s 2>&1"):format(sh(url))))
  local text = p:read("a")
  p:close()
  -- the version lines, and the random key of pg_dump's \restrict guard
  return (text:gsub("\n%-%- Dumped [^\n]*", ""):gsub("\n\\u?n?restrict [^\n]*", ""))
end

local function psql_file(url, path)
  local p = io.popen(helpers.tool(("psql -X -q -v ON_ERROR_STOP=1 -d %s -f %s 2>&1"):format(sh(url), sh(path))))
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end

-- Runs up online on one database and through --sql and psql on another;
-- both must dump the same.
local function assert_same_database(up)
  local online_url, online = helpers.fresh_db()
  local offline_url, offline = helpers.fresh_db()
  local code, _, err = helpers.run(project(online_url, up), "upgrade head")
  assert.equal(0, code, err)
  local sql
  code, sql, err = helpers.run(project(offline_url, up), "upgrade head --sql")
  assert.equal(0, code, err)
  local path = os.tmpname()
  helpers.write(path, sql)
  local ok, out = psql_file(offline_url, path)
  os.remove(path)
  assert.is_true(ok, out .. "\n" .. sql)
  local expected = dump(online_url)
  assert.equal(expected, dump(offline_url))
  online:close()
  offline:close()
  return expected
end

describe("luamig upgrade --sql", function()
  it("prints SQL that psql runs to the database the online upgrade builds", function()
    assert.matches('CREATE TABLE public."we""ird"', assert_same_database(EVERY_OP))
  end)

  it("keeps every line of a revision's message inside the script's comment: no line of it runs", function()
    local url, conn = helpers.fresh_db()
    conn:exec("CREATE TABLE users (id int)")
    local dir = helpers.project { url = url, revisions = { { id = "0ff000000001",
      message = "one\nDROP TABLE users; --\rDROP TABLE users;\r\nDROP TABLE users;", up = [[op.execute("SELECT 1")]] } } }
    local code, sql, err = helpers.run(dir, "upgrade head --sql")
    assert.equal(0, code, err)
    local path = os.tmpname()
    helpers.write(path, sql)
    local ok, out = psql_file(url, path)
    os.remove(path)
    assert.is_true(ok, out .. "\n" .. sql)
    assert.same({ { n = 1 } }, conn:exec("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'users'"))
    conn:close()
  end)

  it("binds a parameter only where the server reads one: not in dollar quotes, E'' strings or comments", function()
    local expected = assert_same_database([==[
    op.execute("CREATE TABLE t (a text, b text, c text, d text)")
    op.execute([[INSERT INTO t VALUES ($1, $$ $1 $$, E'\' $1', /* $1 /* $2 */ $1 */ 'x') -- $1
]], { "v" })
    op.execute([[INSERT INTO t VALUES ($1, $tag$ $1 $$ $tag$, e'\\', 'z') ]] .. "-- $1\n", { "w" })]==])
    assert.matches("v\t $1 \t' $1\tx\n", expected, 1, true)
  end)

  it("ends COPY data with a \\. line and escapes the values", function()
    local url, conn = helpers.fresh_db()
    local code, sql, err = helpers.run(project(url, [[
    op.create_table("t", { { "s", "text" } })
    op.bulk_insert("t", { { "a\tb" }, { "\\." }, { op.NULL } })]]), "upgrade head --sql")
    assert.equal(0, code, err)
    assert.matches('COPY "t" FROM STDIN;\na\\tb\n\\\\.\n\\N\n\\.\n', sql, 1, true)
    conn:close()
  end)

  it("records no duration in the history rows: the time taken to print the SQL is not the revision's", function()
    local url, conn = helpers.fresh_db()
    local code, sql, err = helpers.run(project(url, [[
    local started = os.clock()
    while os.clock() - started < 0.2 do end
    op.create_table("t", { { "id", "int" } })]]), "upgrade head --sql")
    assert.equal(0, code, err)
    local path = os.tmpname()
    helpers.write(path, sql)
    local ok, out = psql_file(url, path)
    os.remove(path)
    assert.is_true(ok, out)
    assert.same({ { duration_ms = 0 } }, conn:exec("SELECT duration_ms FROM luamig_history"))
    conn:close()
  end)

  for _, fn in ipairs({ "query", "rows" }) do
    it(("fails clearly when a revision calls op.%s"):format(fn), function()
      local url, conn = helpers.fresh_db()
      local code, _, err = helpers.run(project(url, ("    op.%s('SELECT 1')"):format(fn)), "upgrade head --sql")
      assert.equal(1, code)
      assert.matches(("op.%s needs a database connection; it cannot run in %%-%%-sql mode"):format(fn), err)
      conn:close()
    end)
  end
end)
