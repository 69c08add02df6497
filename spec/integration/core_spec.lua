local core = require("luamig.core")
local helpers = require("support.helpers")

describe("luamig.core connection", function()
  local url, conn
  before_each(function() url, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("returns rows keyed by column name with values converted by type", function()
    local rows, info = conn:query([[SELECT 1::int4 AS i, 9007199254740993::int8 AS big, 2.5::float8 AS f,
      true AS t, false AS ff, 'x'::text AS s, 1.10::numeric AS n, NULL::text AS missing]])
    assert.same({ "i", "big", "f", "t", "ff", "s", "n", "missing" }, info.columns)
    local r = rows[1]
    assert.equal(1, r.i)
    assert.equal(math.tointeger(9007199254740993), r.big)
    assert.equal(2.5, r.f)
    assert.is_true(r.t)
    assert.is_false(r.ff)
    assert.equal("x", r.s)
    assert.equal("1.10", r.n)
    assert.is_nil(r.missing)
  end)

  it("binds $n parameters, nil as NULL, without pasting them into the SQL", function()
    local rows = conn:query("SELECT $1::text AS a, $2::int AS b, $3::text IS NULL AS c, $4::bool AS d",
      { "'; DROP TABLE x; --", 42, nil, true, n = 4 })
    assert.same({ a = "'; DROP TABLE x; --", b = 42, c = true, d = true }, rows[1])
  end)

  it("runs several statements in one exec and reports affected rows", function()
    local _, info = conn:exec("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2), (3)")
    assert.equal(3, info.affected)
    assert.equal("INSERT 0 3", info.command)
  end)

  it("raises a structured error with SQLSTATE, message, position and statement", function()
    local ok, err = pcall(conn.exec, conn, "SELECT * FROM nope")
    assert.is_false(ok)
    assert.equal(core.pgerror, getmetatable(err))
    assert.equal("42P01", err.sqlstate)
    assert.equal('relation "nope" does not exist', err.message)
    assert.equal(15, err.position)
    assert.equal("SELECT * FROM nope", err.statement)
    assert.equal('42P01: relation "nope" does not exist', tostring(err))
  end)

  it("carries detail and hint when the server sends them", function()
    conn:exec("CREATE TABLE u (a int PRIMARY KEY); INSERT INTO u VALUES (1)")
    local ok, err = pcall(conn.query, conn, "INSERT INTO u VALUES ($1)", { 1 })
    assert.is_false(ok)
    assert.equal("23505", err.sqlstate)
    assert.matches("Key %(a%)=%(1%) already exists", err.detail)
  end)

  it("reports the transaction status", function()
    assert.equal("idle", conn:transaction_status())
    conn:exec("BEGIN")
    assert.equal("intrans", conn:transaction_status())
    pcall(conn.exec, conn, "SELECT 1/0")
    assert.equal("inerror", conn:transaction_status())
    conn:exec("ROLLBACK")
    assert.equal("idle", conn:transaction_status())
  end)

  it("streams a result one row at a time", function()
    conn:stream("SELECT g FROM generate_series(1, $1::int) g", { 1000 })
    local sum, n = 0, 0
    for row in conn.fetch, conn do
      sum, n = sum + row.g, n + 1
    end
    assert.equal(1000, n)
    assert.equal(500500, sum)
    assert.equal(1, conn:query("SELECT 1 AS one")[1].one)
  end)

  it("copies rows in with COPY FROM STDIN", function()
    conn:exec("CREATE TABLE c (a int, b text)")
    conn:copy_in("COPY c (a, b) FROM STDIN")
    conn:put_copy_data("1\tone\n2\t\\N\n")
    local _, info = conn:put_copy_end()
    assert.equal(2, info.affected)
    assert.same({ { a = 1, b = "one" }, { a = 2 } }, (conn:exec("SELECT a, b FROM c ORDER BY a")))
  end)

  describe("COPY data larger than one message", function()
    -- lines "i\tvalue-i\n" for i = 1..n, and the rows they should become
    local function lines(n)
      local text, rows = {}, {}
      for i = 1, n do
        text[i] = ("%d\tvalue-%d\n"):format(i, i)
        rows[i] = { a = i, b = "value-" .. i }
      end
      return table.concat(text), rows
    end

    local function copied()
      return (conn:exec("SELECT a, b FROM c ORDER BY a"))
    end

    before_each(function()
      conn:exec("CREATE TABLE c (a int, b text)")
      conn:copy_in("COPY c (a, b) FROM STDIN")
    end)

    it("is sent as several messages of at most the chunk size, cut anywhere, and arrives whole", function()
      local data, rows = lines(20)
      assert.equal(math.ceil(#data / 7), conn:put_copy_data(data, 7))
      assert.equal(20, select(2, conn:put_copy_end()).affected)
      assert.same(rows, copied())
    end)

    it("is split at 1 MiB by default", function()
      local data, rows = lines(200000)
      assert.is_true(#data > 3 * 2^20)
      assert.equal(math.ceil(#data / 2^20), conn:put_copy_data(data))
      conn:put_copy_end()
      assert.same(rows, copied())
    end)

    it("refuses a chunk size that libpq cannot take", function()
      assert.has_error(function() conn:put_copy_data("1\tx\n", 2^31) end,
        "bad argument #2 to 'put_copy_data' (chunk size must be 1 to 2147483647 bytes)")
      assert.has_error(function() conn:put_copy_end("spec done") end)
    end)
  end)

  it("fails to connect with libpq's message and no password in it", function()
    local bad = ("postgresql://postgres:sekret@/nosuchdb?host=%s&port=5432"):format(helpers.pghost())
    local c, err = core.connect(bad)
    assert.is_nil(c)
    assert.matches('database "nosuchdb" does not exist', err)
    assert.not_matches("sekret", err)
  end)

  it("refuses to bind a table as a parameter, as a Lua error", function()
    assert.has_error(function() conn:query("SELECT $1", { {} }) end, "parameter $1: cannot bind a table")
  end)

  it("can be closed twice and is unusable after", function()
    conn:close()
    conn:close()
    assert.has_error(function() conn:exec("SELECT 1") end)
    assert.is_false(conn:is_ok())
  end)
end)

describe("luamig.core fingerprint", function()
  local dir
  before_each(function()
    dir = helpers.tmpdir()
    helpers.write(dir .. "/a.lua", "return 1")
    helpers.write(dir .. "/b.lua", "return 2")
  end)

  local function fingerprint() return (assert(core.fingerprint(dir, ".lua"))) end

  it("counts the files with the suffix and stays the same while nothing changes", function()
    local before = fingerprint()
    assert.matches("^2:%x+$", before)
    assert.equal(before, fingerprint())
  end)

  it("ignores files without the suffix", function()
    local before = fingerprint()
    helpers.write(dir .. "/notes.txt", "x")
    assert.equal(before, fingerprint())
  end)

  it("changes when a file is added, removed, renamed or rewritten", function()
    local seen = { [fingerprint()] = true }
    local function changed()
      local now = fingerprint()
      assert.is_nil(seen[now])
      seen[now] = true
    end
    helpers.write(dir .. "/c.lua", "return 3"); changed()
    os.remove(dir .. "/a.lua"); changed()
    os.rename(dir .. "/b.lua", dir .. "/d.lua"); changed()
    helpers.write(dir .. "/c.lua", "return 30"); changed()
  end)

  it("sees a change to any one of thousands of files, stat-ed on several threads", function()
    for i = 1, 3000 do helpers.write(("%s/r%04d.lua"):format(dir, i), "return " .. i) end
    local before = fingerprint()
    assert.matches("^3002:", before)
    os.execute(("touch -d 2001-02-03T04:05:06 %s/r2999.lua"):format(dir))
    local touched = fingerprint()
    assert.not_equal(before, touched)
    helpers.write(dir .. "/r1500.lua", "return 1500 -- edited")
    assert.not_equal(touched, fingerprint())
  end)

  it("reports a missing directory instead of raising", function()
    local fp, err = core.fingerprint(dir .. "/missing", ".lua")
    assert.is_nil(fp)
    assert.matches("missing: No such file", err)
  end)
end)
