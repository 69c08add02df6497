-- Unit specs of luamig.cli's parsing of the command line (no database, no
-- process): which command, which options land where, and the usage
-- errors that make luamig exit 2.
local cli = require("luamig.cli")

-- argv from a string of words
local function words(line)
  local argv = {}
  for w in line:gmatch("%S+") do argv[#argv + 1] = w end
  return argv
end

local function parse(line)
  return cli.parse(type(line) == "table" and line or words(line))
end

-- The message of the usage error that parsing line raises.
local function usage_error(line)
  local ok, err = pcall(parse, line)
  assert.is_false(ok, "parsed: " .. tostring(line))
  assert.is_true(cli.is_usage_error(err), "not a usage error: " .. tostring(err))
  return err.message
end

-- cli.main(argv) with stderr captured: exit code, what it wrote there.
local function main(line)
  local written, saved = {}, io.stderr
  io.stderr = { write = function(_, ...)
    for _, s in ipairs({ ... }) do written[#written + 1] = s end
  end }
  local ok, code = pcall(cli.main, words(line))
  io.stderr = saved
  assert(ok, code)
  -- no colour, should stderr be a terminal
  return code, (table.concat(written):gsub("\27%[[%d;]*m", ""))
end

describe("cli.parse", function()
  describe("commands", function()
    it("names the command and its positional argument", function()
      local opts, cmd, args = parse("upgrade head")
      assert.equal("upgrade", cmd.name)
      assert.same({ target = "head" }, args)
      assert.same({}, opts)
    end)

    it("gives no command for an empty command line", function()
      local opts, cmd, args = parse("")
      assert.is_nil(cmd)
      assert.same({}, opts)
      assert.same({}, args)
    end)

    it("takes a negative number as a positional argument after the command", function()
      local _, cmd, args = parse("downgrade -1")
      assert.equal("downgrade", cmd.name)
      assert.equal("-1", args.target)
    end)

    it("lets revs... take every remaining argument", function()
      local _, _, args = parse("stamp a b c --purge")
      assert.same({ "a", "b", "c" }, args.revs)
      assert.is_true(args.purge)
    end)

    it("gives revs... an empty list when none is given", function()
      local _, _, args = parse("merge")
      assert.same({}, args.revs)
    end)

    it("leaves an optional argument out", function()
      local _, cmd, args = parse("help")
      assert.equal("help", cmd.name)
      assert.is_nil(args.command)
    end)
  end)

  describe("global options", function()
    it("are read before the command", function()
      local opts, _, args = parse("-q --url postgresql://h/db --json current")
      assert.same({ quiet = true, url = "postgresql://h/db", json = true }, opts)
      assert.same({}, args)
    end)

    it("are read after the command too, and kept apart from its own", function()
      local opts, _, args = parse("upgrade head --sql -c other.lua --lock-timeout 2.5")
      assert.same({ config = "other.lua", lock_timeout = 2.5 }, opts)
      assert.same({ target = "head", sql = true }, args)
    end)

    it("take a value written as --name=value", function()
      local opts = parse({ "--url=postgresql://h/db?x=1", "current" })
      assert.equal("postgresql://h/db?x=1", opts.url)
    end)

    it("collect -x KEY=VALUE repeated into one table, the value kept whole", function()
      local opts = parse("-x tenant=acme current -x dsn=a=b -x tenant=beta")
      assert.same({ tenant = "beta", dsn = "a=b" }, opts.x)
    end)

    it("let --help stand in for a missing argument", function()
      local opts, cmd = parse("upgrade --help")
      assert.is_true(opts.help)
      assert.equal("upgrade", cmd.name)
    end)
  end)

  describe("command options", function()
    it("collect a repeatable option into a list", function()
      local _, _, args = parse("revision -m msg --depends-on a1 --depends-on b2")
      assert.equal("msg", args.message)
      assert.same({ "a1", "b2" }, args.depends_on)
    end)

    it("take a value that begins with a dash", function()
      local _, _, args = parse("revision -m -x")
      assert.equal("-x", args.message)
    end)
  end)

  describe("usage errors", function()
    it("name an unknown command", function()
      assert.equal('unknown command "frobnicate"', usage_error("frobnicate"))
    end)

    it("name an unknown option before the command", function()
      assert.equal("unknown option --frob", usage_error("--frob current"))
    end)

    it("name an unknown option and the command it was given to", function()
      assert.equal("unknown option --sql for current", usage_error("current --sql"))
    end)

    it("treat -- as an unknown option (there is no end-of-options marker)", function()
      assert.equal("unknown option -- for stamp", usage_error("stamp -- head"))
    end)

    it("name a missing argument in capitals", function()
      assert.equal("upgrade needs TARGET", usage_error("upgrade"))
    end)

    it("name the first unexpected argument", function()
      assert.equal('current: unexpected argument "x"', usage_error("current x y"))
    end)

    it("name an option whose value is missing, and what it wants", function()
      assert.equal("option -m needs a value (MSG)", usage_error("revision -m"))
    end)

    it("refuse a value given to a flag", function()
      assert.equal("option --quiet takes no value", usage_error({ "--quiet=yes", "current" }))
    end)

    it("name --lock-timeout when its value is not a number", function()
      assert.equal('option --lock-timeout needs a number of seconds, got "soon"',
        usage_error("--lock-timeout soon upgrade head"))
    end)

    it("name --lock-timeout written with = when its value is negative, not the option before it", function()
      assert.equal('option --lock-timeout needs a number of seconds, got "-1"',
        usage_error({ "-q", "--lock-timeout=-1", "upgrade", "head" }))
    end)

    it("refuse -x without KEY=VALUE", function()
      assert.equal('-x needs KEY=VALUE, got "tenant"', usage_error("-x tenant current"))
    end)

    it("refuse --json with a command that has no JSON output", function()
      -- (a fleet command is refused once it knows it has no targets: spec/e2e/fleet_spec.lua)
      assert.equal("--json works with current, heads, history, status and lint, not with revision",
        usage_error("--json revision"))
    end)
  end)
end)

describe("cli.main", function()
  it("exits 2 on a usage error with one line and a pointer to --help", function()
    local code, err = main("upgrade")
    assert.equal(2, code)
    assert.equal("luamig: upgrade needs TARGET\n'luamig --help' lists the commands and options.\n", err)
  end)

  it("exits 2 on help for an unknown command", function()
    local code, err = main("help frobnicate")
    assert.equal(2, code)
    assert.matches('^luamig: unknown command "frobnicate"\n', err)
  end)

  it("exits 2 with the help on stderr when no command is given", function()
    local code, err = main("")
    assert.equal(2, code)
    assert.matches("^usage: luamig %[global options%] COMMAND", err)
  end)
end)
