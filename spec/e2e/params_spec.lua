-- Query parameters as a revision binds them, through the binary: numbers
-- cross exactly, many parameters fit, and a value that cannot be bound is
-- one clear line naming the revision.
local helpers = require("support.helpers")

local run, project = helpers.run, helpers.project

-- A one-revision project whose upgrade is `body`.
local function one_revision(url, body)
  return project { url = url, revisions = { { id = "aaaa00000001", slug = "params", up = body } } }
end

local FILE = ("migrations/versions/aaaa00000001_params.lua"):gsub("%p", "%%%0")

describe("query parameters", function()
  local url, conn
  before_each(function() url, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  describe("floats keep every digit", function()
    -- values whose %.14g form differs from the double: each must arrive as
    -- the same float8, read back by the server's shortest text
    local values = { "1234567890.123456", "0.1 + 0.2", "1 / 3", "-2.5e-310", "1e308 * 10", "-(1e308 * 10)", "0 / 0" }

    local function stored(via)
      local inserts = {}
      for i, v in ipairs(values) do inserts[i] = via:format(i, v) end
      local dir = one_revision(url, [[
    op.execute("CREATE TABLE f (k int, v float8)")
    local db = require("luamig").context().db
    ]] .. table.concat(inserts, "\n    "))
      local code, _, err = run(dir, "upgrade head")
      assert.equal(0, code, err)
      local out = {}
      for _, r in ipairs(conn:exec("SELECT k, v::text AS v FROM f ORDER BY k")) do out[r.k] = r.v end
      return out
    end

    local expected = { "1234567890.123456", "0.30000000000000004", "0.3333333333333333", "-2.5e-310",
                       "Infinity", "-Infinity", "NaN" }

    it("through op.execute", function()
      assert.same(expected, stored([[op.execute("INSERT INTO f VALUES ($1, $2)", { %d, %s })]]))
    end)

    it("through op.query", function()
      assert.same(expected, stored([[op.query("INSERT INTO f VALUES ($1, $2) RETURNING k", { %d, %s })]]))
    end)

    it("through op.rows", function()
      assert.same(expected, stored([[for _ in op.rows("INSERT INTO f VALUES ($1, $2) RETURNING k", { %d, %s }) do end]]))
    end)

    it("through db:execute", function()
      assert.same(expected, stored([[db:execute("INSERT INTO f VALUES ($1, $2)", { %d, %s })]]))
    end)

    it("as --sql literals, the same text", function()
      local dir = one_revision(url, [[op.execute("SELECT $1, $2, $3", { 1234567890.123456, 0.1 + 0.2, math.mininteger })]])
      local code, out, err = run(dir, "upgrade head --sql")
      assert.equal(0, code, err)
      assert.matches("SELECT 1234567890%.123456, 0%.30000000000000004, %-9223372036854775808;", out)
    end)
  end)

  describe("many parameters", function()
    -- INSERT INTO p SELECT unnest(ARRAY[$1, ..., $n]::int[]) with values 1..n
    local function insert_n(n)
      return ([[
    local marks, values = {}, {}
    for i = 1, %d do marks[i], values[i] = "$" .. i, i end
    op.execute("CREATE TABLE p (v int)")
    op.execute("INSERT INTO p SELECT unnest(ARRAY[" .. table.concat(marks, ", ") .. "]::int[])", values)]]):format(n)
    end

    for _, n in ipairs({ 60, 3000 }) do
      it(("binds %d and each arrives"):format(n), function()
        local code, _, err = run(one_revision(url, insert_n(n)), "upgrade head")
        assert.equal(0, code, err)
        local r = conn:exec("SELECT count(*) AS n, sum(v) AS s FROM p")[1]
        assert.same({ n = n, s = n * (n + 1) // 2 }, { n = r.n, s = r.s })
      end)
    end

    it("refuses 70000 with one line naming the limit, exit 1, nothing applied", function()
      local code, _, err = run(one_revision(url, insert_n(70000)), "upgrade head")
      assert.equal(1, code)
      assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nluamig: aaaa00000001 %(" .. FILE .. ":%d+%): op%.execute: 70000 parameters, "
        .. "more than the 65535 PostgreSQL allows\n$", err)
      assert.same({}, helpers.versions(conn))
    end)
  end)

  describe("a value that cannot be bound", function()
    for _, case in ipairs({
      { "op.execute", [[op.execute("SELECT $1, $2", { 1, function() end })]] },
      { "op.query", [[op.query("SELECT $1, $2", { 1, coroutine.create(print) })]] },
      { "db:execute", [[require("luamig").context().db:execute("SELECT $1, $2", { 1, {} })]] },
    }) do
      it(("is one line naming the revision and line, from %s"):format(case[1]), function()
        local code, _, err = run(one_revision(url, case[2]), "upgrade head")
        assert.equal(1, code)
        assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nluamig: aaaa00000001 %(" .. FILE .. ":9%): " .. case[1]:gsub("%p", "%%%0")
          .. ": parameter %$2: cannot bind a %a+\n$", err)
        assert.not_matches("luamig/runtime", err)
      end)
    end
  end)
end)
