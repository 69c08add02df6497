-- Data migrations: execute, query, rows and bulk_insert against the server.
local helpers = require("support.helpers")
local NULL = require("luamig.op").NULL

describe("op data", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  local function apply(fn) helpers.apply(conn, fn) end

  local function fails(pattern, fn)
    local ok, err = pcall(apply, fn)
    assert.is_false(ok)
    assert.matches(pattern, tostring(err))
  end

  -- Memory in use by Lua, in KiB, after a full collection: what the code
  -- under test holds. (Without the collection, the garbage a sample catches
  -- depends on the collector's pace, which follows the heap of the whole
  -- busted run, not the code under test.)
  local function live_kib()
    collectgarbage("collect")
    return collectgarbage("count")
  end

  describe("execute", function()
    it("binds $n parameters, op.NULL as NULL", function()
      apply(function(op)
        op.execute("CREATE TABLE t (a text, b int, c text)")
        op.execute("INSERT INTO t VALUES ($1, $2, $3)", { "it's", op.NULL, "c" })
      end)
      assert.same({ { a = "it's", c = "c" } }, (conn:exec("SELECT a, b, c FROM t")))
    end)
  end)

  describe("query", function()
    it("returns rows keyed by column name with Lua values, NULL absent, numeric as text", function()
      local rows
      apply(function(op)
        rows = op.query([[SELECT 1::int AS i, 2.5::float8 AS f, true AS b, 'x'::text AS s,
          1.10::numeric AS n, NULL::int AS missing, $1::text AS p]], { "param" })
      end)
      assert.same({ { i = 1, f = 2.5, b = true, s = "x", n = "1.10", p = "param" } }, rows)
      assert.equal("integer", math.type(rows[1].i))
    end)

    it("sees the revision's own uncommitted changes", function()
      local n
      apply(function(op)
        op.execute("CREATE TABLE t (a int)")
        op.execute("INSERT INTO t SELECT generate_series(1, 3)")
        n = op.query("SELECT count(*) AS n FROM t")[1].n
      end)
      assert.equal(3, n)
    end)
  end)

  describe("rows", function()
    it("iterates over 100,000 rows without holding the result", function()
      local count, sum, peak, before = 0, 0, 0, nil
      apply(function(op)
        before = live_kib()
        for row in op.rows("SELECT g, repeat('x', 200) AS pad FROM generate_series(1, $1::int) g", { 100000 }) do
          count, sum = count + 1, sum + row.g
          if count % 10000 == 0 then peak = math.max(peak, live_kib() - before) end
        end
      end)
      assert.equal(100000, count)
      assert.equal(5000050000, sum)
      -- the whole result as Lua tables would take more than 30 MiB
      assert.is_true(peak < 8 * 1024, ("peak %.0f KiB"):format(peak))
    end)

    it("yields lists of up to batch rows", function()
      local sizes = {}
      apply(function(op)
        for batch in op.rows("SELECT g FROM generate_series(1, 25) g", nil, 10) do
          sizes[#sizes + 1] = #batch
        end
      end)
      assert.same({ 10, 10, 5 }, sizes)
    end)

    it("leaves the connection usable after the loop is left early", function()
      local after
      apply(function(op)
        for row in op.rows("SELECT g FROM generate_series(1, 50000) g") do
          if row.g == 10 then break end
        end
        after = op.query("SELECT 42 AS v")[1].v
      end)
      assert.equal(42, after)
    end)

    it("drops the rest of a result left unread when the revision returns", function()
      apply(function(op)
        op.execute("CREATE TABLE t (a int)")
        local next_row = op.rows("SELECT g FROM generate_series(1, 50000) g")
        assert.same({ g = 1 }, next_row())
      end)
      assert.same({ { n = 0 } }, (conn:exec("SELECT count(*)::int AS n FROM t")))
    end)

    it("stops a result left unread when the revision fails, and rolls the revision back", function()
      fails("spec00000001 %(spec%): boom$", function(op)
        op.execute("CREATE TABLE t (a int)")
        -- far too many rows to read to the end: the query is cancelled
        local next_row = op.rows("SELECT generate_series(1, 1000000000) AS g")
        next_row()
        error("boom", 0)
      end)
      assert.same({}, conn:query("SELECT 1 FROM pg_tables WHERE tablename = 't'"))
      assert.same({ { v = 1 } }, (conn:exec("SELECT 1 AS v")))
    end)

    it("refuses another op call inside the loop with a message saying why", function()
      fails("op.execute: an op.rows loop is still reading its result", function(op)
        op.execute("CREATE TABLE t (a int)")
        for row in op.rows("SELECT g FROM generate_series(1, 3) g") do
          op.execute("INSERT INTO t VALUES ($1)", { row.g })
        end
      end)
    end)

    it("raises a server error met halfway and rolls the revision back", function()
      fails("22012", function(op)
        op.execute("CREATE TABLE t (a int)")
        for _ in op.rows("SELECT 1 / (5000 - g) FROM generate_series(1, 10000) g") do end
      end)
      assert.same({}, conn:query("SELECT 1 FROM pg_tables WHERE tablename = 't'"))
    end)

    it("rejects a batch that is not a positive integer", function()
      fails("op.rows: batch must be a positive integer, got 0", function(op) op.rows("SELECT 1", nil, 0) end)
    end)
  end)

  describe("bulk_insert", function()
    local awkward = {
      "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\.", "", "ünïcødé ✓ 名前",
      "'quotes' and \"double\"", ("long " .. ("0123456789"):rep(100000)),
    }

    before_each(function()
      apply(function(op)
        op.create_table("t", { { "id", "int" }, { "s", "text" }, { "f", "float8" }, { "b", "boolean" } })
      end)
    end)

    local function stored()
      return (conn:exec("SELECT id, s, f, b FROM t ORDER BY id"))
    end

    it("round-trips awkward text, empty strings and NULL exactly", function()
      local rows = {}
      for i, s in ipairs(awkward) do rows[i] = { i, s } end
      rows[#rows + 1] = { #awkward + 1, nil }
      rows[#rows + 1] = { #awkward + 2, NULL }
      apply(function(op) op.bulk_insert("t", rows, { columns = { "id", "s" } }) end)
      local got = stored()
      assert.equal(#awkward + 2, #got)
      for i, s in ipairs(awkward) do assert.equal(s, got[i].s) end
      assert.is_nil(got[#awkward + 1].s)
      assert.is_nil(got[#awkward + 2].s)
    end)

    it("writes numbers and booleans as the server reads them", function()
      apply(function(op)
        op.bulk_insert("t", { { 1, "a", 0.1, true }, { 2, "b", -1e300, false }, { 3, "c", 1 / 0, nil, n = 4 } })
      end)
      assert.same({
        { id = 1, s = "a", f = 0.1, b = true },
        { id = 2, s = "b", f = -1e300, b = false },
        { id = 3, s = "c", f = math.huge },
      }, stored())
    end)

    it("takes rows keyed by column name in the order of columns", function()
      apply(function(op)
        op.bulk_insert("t", { { s = "one", id = 1 }, { id = 2 } }, { columns = { "id", "s" } })
      end)
      assert.same({ { id = 1, s = "one" }, { id = 2 } }, stored())
    end)

    it("takes an iterator function and inserts into a schema", function()
      local n = 0
      apply(function(op)
        op.create_schema("app")
        op.create_table("u", { { "id", "int" } }, { schema = "app" })
        op.bulk_insert("u", function()
          n = n + 1
          if n <= 3 then return { n } end
        end, { schema = "app" })
      end)
      assert.same({ { sum = 6 } }, (conn:exec("SELECT sum(id)::int AS sum FROM app.u")))
    end)

    it("returns the number of rows inserted", function()
      local count
      apply(function(op) count = op.bulk_insert("t", { { 1 }, { 2 } }, { columns = { "id" } }) end)
      assert.equal(2, count)
    end)

    it("does nothing for no rows", function()
      apply(function(op) op.bulk_insert("t", {}) end)
      assert.same({}, stored())
    end)

    it("streams 200,000 rows from an iterator with bounded memory", function()
      local n, peak, before = 0, 0, nil
      apply(function(op)
        before = live_kib()
        op.bulk_insert("t", function()
          n = n + 1
          if n % 10000 == 0 then peak = math.max(peak, live_kib() - before) end
          if n <= 200000 then return { n, "row number " .. n .. "\twith a tab" } end
        end, { columns = { "id", "s" } })
      end)
      assert.same({ { count = 200000, sum = 20000100000 } }, (conn:exec("SELECT count(*)::int AS count, sum(id)::int8 AS sum FROM t")))
      assert.same({ { s = "row number 777\twith a tab" } }, (conn:exec("SELECT s FROM t WHERE id = 777")))
      -- the COPY payload alone is about 8 MiB
      assert.is_true(peak < 5 * 1024, ("peak %.0f KiB"):format(peak))
    end)

    it("rolls the COPY back with the revision when a row cannot be written", function()
      fails("op.bulk_insert: row 3, column s: cannot write a table in a COPY row", function(op)
        op.bulk_insert("t", { { id = 1 }, { id = 2 }, { id = 3, s = {} } }, { columns = { "id", "s" } })
      end)
      assert.same({}, stored())
    end)

    it("refuses keyed rows without columns", function()
      fails("op.bulk_insert: rows keyed by column name need opts.columns", function(op)
        op.bulk_insert("t", { { id = 1 } })
      end)
    end)

    it("refuses a keyed row with a key outside columns, naming the row", function()
      fails('op.bulk_insert: row 2: unknown column "sx" %(not in opts.columns%)', function(op)
        op.bulk_insert("t", { { id = 1 }, { id = 2, sx = "typo" } }, { columns = { "id", "s" } })
      end)
      assert.same({}, stored())
    end)

    it("refuses a keyed row after positional ones, naming its position", function()
      local rows = {}
      for i = 1, 1500 do rows[i] = { i, "p" } end
      rows[1234] = { id = 1234, s = "k" }
      fails("op.bulk_insert: row 1234 is keyed but the first row is positional", function(op)
        op.bulk_insert("t", rows, { columns = { "id", "s" } })
      end)
      assert.same({}, stored())
    end)

    it("refuses a positional row after keyed ones, naming its position", function()
      fails("op.bulk_insert: row 3 is positional but the first row is keyed", function(op)
        op.bulk_insert("t", { { id = 1 }, { id = 2 }, { 3, "c" } }, { columns = { "id", "s" } })
      end)
    end)

    it("refuses a row mixing positional values and keys", function()
      fails('op.bulk_insert: row 2 mixes positional values and keys %(key "s"%)', function(op)
        op.bulk_insert("t", { { 1, "a" }, { 2, s = "b" } }, { columns = { "id", "s" } })
      end)
      fails("op.bulk_insert: row 1 mixes positional values and keys", function(op)
        op.bulk_insert("t", { { 1, s = "a" } }, { columns = { "id", "s" } })
      end)
    end)

    it("refuses a positional value beyond the last column, even after a hole", function()
      fails("op.bulk_insert: row 2 has a value at position 5 but there are 2 columns", function(op)
        op.bulk_insert("t", { { 1, "a" }, { 2, [5] = "x" } }, { columns = { "id", "s" } })
      end)
    end)

    it("takes positional rows with a hole and an n field", function()
      apply(function(op)
        op.bulk_insert("t", { { 1, "a" }, { 2, nil, n = 2 }, { 3 } }, { columns = { "id", "s" } })
      end)
      assert.same({ { id = 1, s = "a" }, { id = 2 }, { id = 3 } }, stored())
    end)

    it("refuses an n field past the last column or short of the row's values, naming the row", function()
      fails("op.bulk_insert: row 2 has n = 5 but there are 2 columns", function(op)
        op.bulk_insert("t", { { 1, "a" }, { 2, "b", n = 5 } }, { columns = { "id", "s" } })
      end)
      fails("op.bulk_insert: row 1 has n = 1 but a value at position 2", function(op)
        op.bulk_insert("t", { { 1, "a", n = 1 } }, { columns = { "id", "s" } })
      end)
      fails("op.bulk_insert: row 1 has n = x, not a count of its values", function(op)
        op.bulk_insert("t", { { 1, n = "x" } }, { columns = { "id", "s" } })
      end)
      assert.same({}, stored())
    end)

    it("refuses a positional row longer than columns", function()
      fails("op.bulk_insert: row 1 has 3 values for 2 columns", function(op)
        op.bulk_insert("t", { { 1, "a", 2.0 } }, { columns = { "id", "s" } })
      end)
    end)

    it("refuses a list of rows with a hole, naming the missing row, and inserts nothing", function()
      fails("op.bulk_insert: row 2 is nil but the rows list goes on to row 3", function(op)
        op.bulk_insert("t", { { 1, "a" }, nil, { 3, "c" } }, { columns = { "id", "s" } })
      end)
      assert.same({}, stored())
    end)

    it("refuses a NUL byte in a string", function()
      fails("op.bulk_insert: row 1, column s: a string value contains a NUL byte", function(op)
        op.bulk_insert("t", { { 1, "a\0b" } }, { columns = { "id", "s" } })
      end)
    end)
  end)
end)
