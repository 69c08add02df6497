-- core.parse_sql: the PostgreSQL parser (libpg_query) binding (#17).
local core = require("luamig.core")

describe("core.parse_sql", function()
  it("returns each statement's parse tree, location and length", function()
    local sql = "CREATE INDEX i ON t (a);\nALTER TABLE s.t ADD COLUMN b int NOT NULL DEFAULT 0"
    local tree = assert(core.parse_sql(sql))
    assert.are.equal(2, #tree.stmts)
    local index = tree.stmts[1].stmt.IndexStmt
    assert.are.equal("i", index.idxname)
    assert.are.equal("t", index.relation.relname)
    assert.is_nil(tree.stmts[1].stmt_location)  -- pg_query leaves out zeros
    assert.are.equal("CREATE INDEX i ON t (a)", sql:sub(1, tree.stmts[1].stmt_len))
    local alter = tree.stmts[2].stmt.AlterTableStmt
    assert.are.equal("s", alter.relation.schemaname)
    assert.are.equal(24, tree.stmts[2].stmt_location)  -- 0-based, after the semicolon
    assert.are.equal("AT_AddColumn", alter.cmds[1].AlterTableCmd.subtype)
  end)

  it("reads booleans, integers and escaped strings", function()
    local tree = assert(core.parse_sql("CREATE INDEX CONCURRENTLY \"é\"\"x\" ON t (a) WHERE a > 5 AND b = E'1\\t2'"))
    local index = tree.stmts[1].stmt.IndexStmt
    assert.is_true(index.concurrent)
    assert.are.equal('é"x', index.idxname)
    local both = index.whereClause.BoolExpr.args
    assert.are.equal(5, both[1].A_Expr.rexpr.A_Const.ival.ival)
    assert.are.equal("1\t2", both[2].A_Expr.rexpr.A_Const.sval.sval)
    assert.are.equal(150001, tree.version)
  end)

  it("gives nil, the parser's message and the position of a syntax error", function()
    local tree, message, position = core.parse_sql("CREATE INDEX i ON")
    assert.is_nil(tree)
    assert.are.equal("syntax error at end of input", message)
    assert.are.equal(18, position)
  end)

  it("raises on a non-string argument, naming it", function()
    assert.has_error(function() core.parse_sql({}) end, "bad argument #1 to 'parse_sql' (string expected, got table)")
  end)

  local SQL = "ALTER TABLE x ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES y (b)"

  -- Under AddressSanitizer (scripts/test --sanitize) freed memory waits in
  -- its quarantine, so resident memory grows either way: LeakSanitizer, in
  -- a child interpreter that closes its state at exit, is the measure there.
  local sanitized = (os.getenv("LD_PRELOAD") or ""):find("libasan", 1, true) ~= nil

  if sanitized then
    it("frees what it parsed: LeakSanitizer finds nothing after 2,000 parses and syntax errors", function()
      local script = ('local core = require("luamig.core") for _ = 1, 2000 do core.parse_sql(%q) '
        .. 'core.parse_sql("SELEC 1") end'):format(SQL)
      local p = assert(io.popen(("ASAN_OPTIONS=detect_leaks=1 lua5.4 -e '%s' 2>&1; echo \"exit $?\""):format(script)))
      local out = p:read("a")
      p:close()
      assert.equal("exit 0\n", out)
    end)
    return
  end

  -- the process's resident memory, in kB
  local function rss_kb()
    local f = assert(io.open("/proc/self/status"))
    local kb = tonumber(f:read("a"):match("VmRSS:%s*(%d+)"))
    f:close()
    return kb
  end

  it("frees what it parsed: the process does not grow over 20,000 parses and syntax errors", function()
    -- collected every 1,000 parses: the Lua trees' garbage would otherwise
    -- grow with the heap the specs before this one left (the collector's
    -- pause is relative to it), and only a leak in C is measured
    local function parse_many(n)
      for i = 1, n do
        core.parse_sql(SQL); core.parse_sql("SELEC 1")
        if i % 1000 == 0 then collectgarbage() end
      end
    end
    parse_many(2000)
    local before = rss_kb()
    parse_many(20000)
    assert.is_true(rss_kb() - before < 2048, ("grew by %d kB"):format(rss_kb() - before))
  end)
end)
