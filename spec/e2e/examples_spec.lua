-- The example projects under examples/, run as a newcomer would run them
-- (from their own directory, the database given by LUAMIG_URL).
-- examples/autogen is run end to end by spec/e2e/autogen_spec.lua.
local helpers = require("support.helpers")

local function runner(dir, url)
  return function(args)
    local code, out, err = helpers.run(dir, args, { env = { LUAMIG_URL = url } })
    assert(code == 0, ("luamig %s exited %s: %s"):format(args, tostring(code), err))
    return out, err
  end
end

local function lines(...)
  return table.concat({ ... }, "\n") .. "\n"
end

local function count(conn, sql)
  return conn:exec(sql)[1].n
end

describe("examples/blog", function()
  local url, conn, luamig
  before_each(function()
    url, conn = helpers.fresh_db()
    luamig = runner("examples/blog", url)
  end)
  after_each(function() conn:close() end)

  it("upgrades to head, backfilling word_count, and downgrades to base", function()
    local _, err = luamig("upgrade head")
    assert.matches("Running upgrade  %-> 1f0a9c2d3b4e, create users\nDone upgrade  %-> 1f0a9c2d3b4e %(%d+ ms%)\n", err)
    assert.matches("Running upgrade 5b7e2a8f9c01 %-> 9d3c4b5a6e7f, add posts.word_count and backfill it\n"
      .. "Done upgrade 5b7e2a8f9c01 %-> 9d3c4b5a6e7f %(%d+ ms%)\n$", err)
    assert.equal("9d3c4b5a6e7f (head)\n", (luamig("current")))
    assert.equal(lines(
      "5b7e2a8f9c01 -> 9d3c4b5a6e7f (head), add posts.word_count and backfill it",
      "1f0a9c2d3b4e -> 5b7e2a8f9c01, create posts",
      "<base> -> 1f0a9c2d3b4e, create users"), (luamig("history")))
    assert.same({ "luamig_version", "posts", "users" }, helpers.tables(conn))
    assert.equal(2, count(conn, "SELECT count(*)::int AS n FROM users"))
    -- the data migration: "First post. It has a few words." has 7 words
    local rows = conn:exec("SELECT word_count FROM posts ORDER BY id")
    assert.equal(2, #rows)
    for _, r in ipairs(rows) do assert.equal(7, r.word_count) end
    assert.equal("NO", helpers.columns(conn, "posts").word_count.is_nullable)

    luamig("downgrade -1")
    assert.is_nil(helpers.columns(conn, "posts").word_count)
    assert.same({ "5b7e2a8f9c01" }, helpers.versions(conn))

    luamig("downgrade base")
    assert.same({ "luamig_version" }, helpers.tables(conn))
    assert.same({}, helpers.versions(conn))
    assert.equal("", (luamig("current")))
  end)
end)

describe("examples/teams", function()
  local BASE, PLANS, SUBSCRIBE = "4c2e7f1a9b30", "7a91d3e5c2b8", "8b04f6a2d7e1"
  local SESSIONS, INDEX, MERGE = "a3f58c1e6d92", "c6e2b9047f15", "e8d7c6b5a4f3"
  local url, conn, luamig
  before_each(function()
    url, conn = helpers.fresh_db()
    luamig = runner("examples/teams", url)
  end)
  after_each(function() conn:close() end)

  it("the graph: two labelled branches from a common base, joined by a merge", function()
    assert.equal(lines(
      "8b04f6a2d7e1, c6e2b9047f15 -> e8d7c6b5a4f3 (auth, billing) (head) (mergepoint), merge billing and auth",
      "7a91d3e5c2b8 -> 8b04f6a2d7e1 (billing), billing: subscribe every team",
      "4c2e7f1a9b30 -> 7a91d3e5c2b8 (billing), billing: create plans",
      "a3f58c1e6d92 -> c6e2b9047f15 (auth), auth: index sessions by user",
      "4c2e7f1a9b30 -> a3f58c1e6d92 (auth), auth: create sessions",
      "<base> -> 4c2e7f1a9b30 (branchpoint), create teams and users"), (luamig("history")))
    assert.equal("e8d7c6b5a4f3 (auth, billing) (head)\n", (luamig("heads")))
    assert.equal(lines("4c2e7f1a9b30 (branchpoint)", "             -> 7a91d3e5c2b8 (billing)",
      "             -> a3f58c1e6d92 (auth)", ""), (luamig("branches")))
    -- labels spread to later revisions: billing@head is the merge
    assert.matches("^Rev: e8d7c6b5a4f3 ", (luamig("show billing@head")))
  end)

  it("upgrades the billing branch alone, then everything, then steps back branch by branch", function()
    -- billing@+3 from base: the common base and the two billing revisions
    local _, err = luamig("upgrade billing@+3")
    assert.equal(lines(
      "Running upgrade  -> 4c2e7f1a9b30, create teams and users",
      "Running upgrade 4c2e7f1a9b30 -> 7a91d3e5c2b8, billing: create plans",
      "Running upgrade 7a91d3e5c2b8 -> 8b04f6a2d7e1, billing: subscribe every team"), (err:gsub("Done [^\n]*\n", "")))
    assert.same({ SUBSCRIBE }, helpers.versions(conn))
    assert.equal("8b04f6a2d7e1\n", (luamig("current")))
    assert.equal("e8d7c6b5a4f3 (auth, billing) (head)\n", (luamig("heads")))
    assert.same({ "luamig_version", "plans", "teams", "users" }, helpers.tables(conn))
    -- the data migrations: seeded plans, every team subscribed to free
    assert.equal(2, count(conn, "SELECT count(*)::int AS n FROM plans"))
    assert.equal(2, count(conn, "SELECT count(*)::int AS n FROM teams WHERE plan_code = 'free'"))
    assert.equal("NO", helpers.columns(conn, "teams").plan_code.is_nullable)

    luamig("upgrade head")
    assert.same({ MERGE }, helpers.versions(conn))
    assert.equal("e8d7c6b5a4f3 (head) (mergepoint)\n", (luamig("current")))
    assert.same({ "luamig_version", "plans", "sessions", "teams", "users" }, helpers.tables(conn))
    assert.equal(1, count(conn, [[SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = 'ix_sessions_user' AND i.indisvalid]]))

    -- auth@-1 from the merge is an ambiguous walk, as in Alembic: nothing changes
    local code, _, walk_err = helpers.run("examples/teams", "downgrade auth@-1", { env = { LUAMIG_URL = url } })
    assert.equal(1, code)
    assert.matches("Ambiguous walk", walk_err)
    assert.same({ MERGE }, helpers.versions(conn))

    -- down to auth's last revision removes the merge and leaves two heads
    luamig("downgrade " .. INDEX)
    assert.same({ SUBSCRIBE, INDEX }, helpers.versions(conn))
    -- now auth@-1 names one revision on the auth branch
    luamig("downgrade auth@-1")
    assert.same({ SUBSCRIBE, SESSIONS }, helpers.versions(conn))
    assert.equal(lines(
      "8b04f6a2d7e1, c6e2b9047f15 -> e8d7c6b5a4f3 (auth, billing) (head) (mergepoint), merge billing and auth",
      "7a91d3e5c2b8 -> 8b04f6a2d7e1 (billing) (current), billing: subscribe every team",
      "4c2e7f1a9b30 -> 7a91d3e5c2b8 (billing), billing: create plans",
      "a3f58c1e6d92 -> c6e2b9047f15 (auth), auth: index sessions by user",
      "4c2e7f1a9b30 -> a3f58c1e6d92 (auth) (current), auth: create sessions",
      "<base> -> 4c2e7f1a9b30 (branchpoint), create teams and users"), (luamig("history -i")))

    luamig("downgrade billing@-1")
    assert.same({ PLANS, SESSIONS }, helpers.versions(conn))

    luamig("downgrade base")
    assert.same({ "luamig_version" }, helpers.tables(conn))
    assert.same({}, helpers.versions(conn))
    -- the audit trail saw every step, the last one the base going down
    local last = conn:exec("SELECT revision, direction FROM luamig_history ORDER BY id DESC LIMIT 1")[1]
    assert.same({ revision = BASE, direction = "downgrade" }, last)
  end)
end)

describe("examples/autogen", function()
  it("is run end to end by spec/e2e/autogen_spec.lua", function()
    assert.matches("examples/autogen", helpers.read("spec/e2e/autogen_spec.lua"), nil, true)
  end)
end)
