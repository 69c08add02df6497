-- luamig behind a real PgBouncer (the Debian package, installed by
-- scripts/test): session pooling works, transaction and statement pooling
-- are refused before anything runs.
local helpers = require("support.helpers")
local process = require("support.process")

local quote = helpers.shell_quote

local revisions = {
  { id = "aaaa00000001", message = "create a", up = [[op.create_table("a", { { "id", "int" } })]] },
  { id = "bbbb00000002", down = "aaaa00000001", message = "create b", up = [[op.create_table("b", { { "id", "int" } })]] },
}

local function as_postgres(cmd)
  local root = io.popen("id -u"):read("l") == "0"
  return helpers.tool((root and "runuser -u postgres -- " or "") .. cmd)
end

-- Starts PgBouncer in `mode` on a unix socket in a temporary directory,
-- passing every database through to the test cluster as postgres; returns
-- { dir, port, stop = function }.
local function start_pgbouncer(mode)
  local dir = helpers.tmpdir()
  local port = 6432
  helpers.write(dir .. "/pgbouncer.ini", ([[
[databases]
* = host=%s port=5432 user=postgres

[pgbouncer]
listen_port = %d
unix_socket_dir = %s
auth_type = any
pool_mode = %s
logfile = %s/pgbouncer.log
pidfile = %s/pgbouncer.pid
]]):format(helpers.pghost(), port, dir, mode, dir, dir))
  os.execute(("chown -R postgres: %s 2>/dev/null"):format(quote(dir)))
  local ok = os.execute(as_postgres(("pgbouncer -d %s >%s/start.log 2>&1"):format(quote(dir .. "/pgbouncer.ini"), quote(dir))))
  assert(ok, "pgbouncer did not start: " .. (io.open(dir .. "/start.log") and helpers.read(dir .. "/start.log") or ""))
  local socket = ("%s/.s.PGSQL.%d"):format(dir, port)
  assert(process.wait_until(function() return os.execute("test -S " .. quote(socket)) end, 10),
    "pgbouncer opened no socket: " .. helpers.read(dir .. "/pgbouncer.log"))
  return { dir = dir, port = port, stop = function()
    local pid = helpers.read(dir .. "/pgbouncer.pid"):match("%d+")
    os.execute(("kill %s; sleep 0.2; rm -rf %s"):format(pid, quote(dir)))
  end }
end

for _, mode in ipairs({ "session", "transaction", "statement" }) do
  describe(("luamig through PgBouncer in %s mode"):format(mode), function()
    local bouncer, conn, code, err
    setup(function()
      bouncer = start_pgbouncer(mode)
      local _, name
      _, conn, name = helpers.fresh_db()
      local url = ("host=%s port=%d user=postgres dbname=%s"):format(bouncer.dir, bouncer.port, name)
      code, _, err = helpers.run(helpers.project { url = url, revisions = revisions }, "upgrade head")
    end)
    teardown(function()
      if conn then conn:close() end
      bouncer.stop()
    end)

    if mode == "session" then
      it("upgrades to head", function()
        assert.equal(0, code, err)
        assert.same({ "bbbb00000002" }, helpers.versions(conn))
        assert.same({ "a", "b", "luamig_version" }, helpers.tables(conn))
      end)
    else
      it("is refused with one clear line, exit 1", function()
        assert.equal(1, code)
        assert.matches("^luamig: the connection goes through a pooling proxy that shares server sessions between clients "
          .. "%(such as PgBouncer in transaction or statement mode%): session advisory locks do not work there; "
          .. "connect to PostgreSQL directly or through session pooling for migrations\n$", err)
      end)

      it("applies nothing", function()
        assert.same({}, helpers.tables(conn))
      end)
    end
  end)
end
