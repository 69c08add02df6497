-- The files luamig writes for a user: revision and merge files, their
-- values written as data, their ids checked by the reader's own rule, in a
-- version location only.
local helpers = require("support.helpers")
local dkjson = require("dkjson")

local run, q = helpers.run, helpers.shell_quote

local function ok(dir, args)
  local code, out, err = run(dir, args)
  assert(code == 0, ("luamig %s exited %s: %s"):format(args, tostring(code), err))
  return out, err
end

-- The names of the revision files in dir.
local function files(dir)
  local names = {}
  for name in io.popen("ls -A " .. q(dir)):lines() do
    if name:match("%.lua$") then names[#names + 1] = name end
  end
  return names
end

local VERSIONS = "/migrations/versions"

describe("luamig revision", function()
  local dir
  before_each(function() dir = helpers.project {} end)

  describe("with a message that is not one plain line", function()
    local odd = {
      ["Lua code on a second line"] = "first\nos.exit(3)\n-- x",
      ["a carriage return before code"] = "first\ros.exit(3)",
      ["brackets, quotes and backslashes"] = [[close ]] .. "]]" .. [[ "quoted" 'single' \n \\ end]],
    }
    for title, msg in pairs(odd) do
      it(("writes %s as data: the file loads, no code runs, and the message comes back exactly"):format(title), function()
        local path = ok(dir, "revision --rev-id aaaa00000001 -m " .. q(msg)):gsub("\n$", "")
        assert.matches("^migrations/versions/aaaa00000001[%w_]*%.lua$", path)
        local out = ok(dir, "--json heads")
        assert.equal(msg, dkjson.decode(out).heads[1].message)
        ok(dir, "show aaaa00000001")
        -- a second revision on top still finds the first as its parent
        ok(dir, "revision --rev-id bbbb00000002 -m next")
        assert.equal("bbbb00000002 (head)\n", (ok(dir, "heads")))
      end)
    end
  end)

  describe("--rev-id", function()
    local bad = {
      ["40 characters"] = ("a"):rep(40),
      ["a '-'"] = "abc-def",
      ["a '+'"] = "abc+def",
      ["an '@'"] = "abc@def",
      ["a space"] = "abc def",
      ["a quote"] = 'abc"def',
    }
    for what, id in pairs(bad) do
      it(("with %s exits 1 with one line and writes no file"):format(what), function()
        local code, out, err = run(dir, "revision -m x --rev-id " .. q(id))
        assert.equal(1, code)
        assert.equal("", out)
        assert.matches("^luamig: [^\n]*revision identifier[^\n]*\n$", err)
        assert.same({}, files(dir .. VERSIONS))
        ok(dir, "heads")
      end)
    end

    it("on merge follows the same rule", function()
      ok(dir, "revision -m one --rev-id aaaa00000001 --head base")
      ok(dir, "revision -m two --rev-id bbbb00000002 --head base")
      local code, _, err = run(dir, "merge heads -m join --rev-id " .. q(("b"):rep(33)))
      assert.equal(1, code)
      assert.matches("^luamig: revision identifier '" .. ("b"):rep(33) .. "' is longer than 32 characters", err)
      code, _, err = run(dir, "merge heads -m join --rev-id abc-1")
      assert.equal(1, code)
      assert.equal("luamig: Character(s) '-' not allowed in revision identifier 'abc-1'\n", err)
      assert.equal(2, #files(dir .. VERSIONS))
      ok(dir, "merge heads -m join --rev-id cccc00000003")
    end)
  end)

  describe("writing a file the reader would refuse", function()
    local function refused(args, pattern)
      local code, out, err = run(dir, args)
      assert.equal(1, code, err)
      assert.equal("", out)
      assert.matches("^luamig: " .. pattern .. " %(nothing was written%)\n$", err)
      assert.same({ "aaaa00000001_one.lua" }, files(dir .. VERSIONS))
      assert.equal("aaaa00000001 (head)\n", (ok(dir, "heads")))
    end
    before_each(function() ok(dir, "revision -m one --rev-id aaaa00000001") end)

    it("--branch-label equal to a revision id exits 1 and writes nothing", function()
      refused("revision -m two --rev-id bbbb00000002 --branch-label aaaa00000001",
        "Branch name 'aaaa00000001' in revision bbbb00000002 already used by revision aaaa00000001")
    end)

    it("--branch-label holding '@' exits 1 and writes nothing", function()
      refused("revision -m two --branch-label " .. q("a@b"),
        "revision file migrations/versions/%w+_two%.lua: Character '@' not allowed in branch label 'a@b'")
    end)

    it("a template edited into a file that does not load exits 1 and writes nothing", function()
      local tmpl = dir .. "/migrations/script.lua.tmpl"
      helpers.write(tmpl, helpers.read(tmpl) .. "\n${message}\n")
      refused("revision --rev-id bbbb00000002 -m " .. q("os.exit(3)"),
        "revision file migrations/versions/bbbb00000002_os_exit_3%.lua:%d+: .*")
    end)
  end)

  describe("--version-path", function()
    it("outside the version locations is refused and writes no file", function()
      assert.truthy(os.execute("mkdir " .. q(dir .. "/elsewhere")))
      local code, out, err = run(dir, "revision -m x --version-path elsewhere")
      assert.equal(1, code)
      assert.equal("", out)
      assert.equal("luamig: Path elsewhere is not represented in current version locations\n", err)
      assert.same({}, files(dir .. "/elsewhere"))
      assert.same({}, files(dir .. VERSIONS))
    end)

    it("naming a configured location writes the file there, where it is loaded", function()
      helpers.write(dir .. "/luamig.lua", [[
return { script_location = "migrations", version_locations = { "more" } }
]])
      assert.truthy(os.execute("mkdir " .. q(dir .. "/more")))
      assert.equal("more/aaaa00000001_x.lua\n", (ok(dir, "revision -m x --rev-id aaaa00000001 --version-path more")))
      assert.equal("migrations/versions/bbbb00000002_y.lua\n",
        (ok(dir, "revision -m y --rev-id bbbb00000002 --version-path ./migrations/versions/")))
      assert.equal("aaaa00000001 -> bbbb00000002 (head), y\n<base> -> aaaa00000001, x\n", (ok(dir, "history")))
    end)
  end)
end)
