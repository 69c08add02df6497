-- The command line as users meet it: help for every command, usage errors,
-- --version, and colour only on a terminal. The command table of
-- luamig.cli is the source of truth; the man page and the bash completion
-- must know everything it knows.
local helpers = require("support.helpers")
local cli = require("luamig.cli")

local run, q = helpers.run, helpers.shell_quote

local ESC = "\27"

-- Every name an option goes by: { "-m", "--message" }.
local function option_names(cmd)
  local names = {}
  for _, o in ipairs(cmd.options or {}) do
    if o[1] then names[#names + 1] = o[1] end
    if o[2] then names[#names + 1] = o[2] end
  end
  return names
end

local function plain(s)
  return (s:gsub("%p", "%%%0"))
end

local function global_option_names()
  return option_names({ options = cli.global_options })
end

describe("luamig help", function()
  local dir
  setup(function() dir = helpers.tmpdir() end)

  it("--help lists every command and global option and exits 0", function()
    local code, out, err = run(dir, "--help")
    assert.equal(0, code)
    assert.equal("", err)
    assert.matches("^usage: luamig", out)
    for _, cmd in ipairs(cli.commands) do
      assert.matches("\n  " .. cmd.name .. " ", out, nil, true)
    end
    for _, name in ipairs(global_option_names()) do
      assert.matches("%s" .. plain(name) .. "[%s,]", out)
    end
  end)

  for _, cmd in ipairs(cli.commands) do
    it(("%s --help says what it does, names its arguments and every option, and shows an example"):format(cmd.name), function()
      local code, out, err = run(dir, cmd.name .. " --help")
      assert.equal(0, code, err)
      assert.equal("", err)
      assert.matches("^usage: luamig %[global options%] " .. cmd.name, out)
      assert.matches(plain(cmd.text:sub(1, 20)), out)
      for _, name in ipairs(option_names(cmd)) do
        assert.matches("%s" .. plain(name) .. "[%s,%]]", out)
      end
      for _, a in ipairs(cmd.args or {}) do
        assert.matches("\n  " .. (a:gsub("%?$", ""):gsub("%.%.%.$", "")):upper() .. " ", out)
      end
      assert.matches("\nexamples?:\n  luamig [^\n]*" .. cmd.name, out)
    end)

    it(("help %s prints the same as %s --help"):format(cmd.name, cmd.name), function()
      local _, expected = run(dir, cmd.name .. " --help")
      local code, out = run(dir, "help " .. cmd.name)
      assert.equal(0, code)
      assert.equal(expected, out)
    end)
  end

  it("help alone prints the general help", function()
    local _, expected = run(dir, "--help")
    local code, out = run(dir, "help")
    assert.equal(0, code)
    assert.equal(expected, out)
  end)

  it("--version prints the version of CMakeLists.txt", function()
    local version = helpers.read("CMakeLists.txt"):match("project%(luamig VERSION ([%d.]+)")
    local code, out = run(dir, "--version")
    assert.equal(0, code)
    assert.equal("luamig " .. version .. "\n", out)
  end)
end)

describe("luamig usage errors", function()
  local dir
  setup(function() dir = helpers.tmpdir() end)

  local cases = {
    { "an unknown command", "frobnicate", 'unknown command "frobnicate"' },
    { "an unknown global option", "--frobnicate current", "unknown option --frobnicate" },
    { "an unknown command option", "upgrade --frobnicate head", "unknown option --frobnicate for upgrade" },
    { "an option of another command", "current --sql", "unknown option --sql for current" },
    { "a missing argument", "upgrade", "upgrade needs TARGET" },
    { "an extra argument", "current extra", 'current: unexpected argument "extra"' },
    { "a missing option value", "revision -m", "option -m needs a value" },
    { "--json on a command without JSON output", "--json upgrade head", "--json works with current, heads, history, status and lint" },
    { "help on an unknown command", "help frobnicate", 'unknown command "frobnicate"' },
    { "a bad --lock-timeout", "--lock-timeout soon upgrade head", "needs a number of seconds" },
  }
  for _, case in ipairs(cases) do
    it(("%s exits 2 with one message and a pointer to --help"):format(case[1]), function()
      local code, out, err = run(dir, case[2])
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("^luamig: [^\n]*" .. plain(case[3]) .. "[^\n]*\n'luamig %-%-help' lists the commands and options%.\n$", err)
    end)
  end

  it("no command prints the help on stderr and exits 2", function()
    local code, out, err = run(dir, "")
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^usage: luamig", err)
  end)
end)

describe("the man page and the bash completion", function()
  local man = helpers.read("doc/luamig.1")
  local completion = helpers.read("completion/luamig.bash")
  -- troff writes a hyphen as \-
  local function in_man(name) return man:find(name:gsub("%-", "\\-"), 1, true) ~= nil end

  it("the man page names every command and option", function()
    for _, cmd in ipairs(cli.commands) do
      assert.is_true(in_man(cmd.name), cmd.name)
      for _, name in ipairs(option_names(cmd)) do assert.is_true(in_man(name), cmd.name .. " " .. name) end
    end
    for _, name in ipairs(global_option_names()) do assert.is_true(in_man(name), name) end
  end)

  it("the man page renders without warnings", function()
    local p = io.popen(helpers.tool("groff -man -Tutf8 -ww doc/luamig.1 2>&1 >/dev/null"))
    local warnings = p:read("a")
    p:close()
    assert.equal("", warnings)
  end)

  it("the completion knows every command and option", function()
    for _, cmd in ipairs(cli.commands) do
      assert.matches("[\" ]" .. cmd.name .. "[\" ]", completion)
      for _, name in ipairs(option_names(cmd)) do assert.matches("[\" ]" .. plain(name) .. "[\" ]", completion) end
    end
    for _, name in ipairs(global_option_names()) do assert.matches("[\" ]" .. plain(name) .. "[\" ]", completion) end
  end)

  it("the completion completes commands and targets", function()
    local dir = helpers.project { revisions = { { id = "aaaa00000001" }, { id = "bbbb00000002", down = "aaaa00000001", labels = "feature" } } }
    local script = ([=[
      PATH=%s:$PATH; source %s
      complete_line() { read -ra COMP_WORDS <<<"$1"; [[ $1 == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _luamig; echo "${COMPREPLY[*]}"; }
      complete_line "luamig up"; complete_line "luamig upgrade "; complete_line "luamig history --i"]=]):format(
      q(helpers.bin():match("^(.*)/")), q(os.getenv("PWD") .. "/completion/luamig.bash"))
    local p = io.popen(("cd %s && bash -c %s"):format(q(dir), q(script)))
    local out = p:read("a")
    p:close()
    assert.equal("upgrade\nhead heads base aaaa00000001 bbbb00000002 feature feature@head\n--indicate-current\n", out)
  end)
end)

describe("luamig colour", function()
  local url, conn, dir
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = helpers.project { url = url, revisions = { { id = "aaaa00000001", message = "create a",
      up = [[op.create_table("a", { { "id", "int" } })]], down_body = [[op.drop_table("a")]] } } }
  end)
  after_each(function() conn:close() end)

  -- Runs luamig with stdout and stderr on a terminal (script(1) gives it
  -- a pty); returns what the terminal showed.
  local function on_a_terminal(args, env)
    local cmd = ("cd %s && env -u LUAMIG_URL -u NO_COLOR %s script -qec %s /dev/null"):format(
      q(dir), env or "", q(q(helpers.bin()) .. " " .. args))
    local p = io.popen(cmd)
    local out = p:read("a")
    p:close()
    return out
  end

  it("piped output has no escape codes and is the plain progress line", function()
    local code, out, err = run(dir, "upgrade head")
    assert.equal(0, code)
    assert.equal("", out)
    assert.matches("^Running upgrade  %-> aaaa00000001, create a\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\n$", err)
    code, out, err = run(dir, "upgrade nope")
    assert.equal(1, code)
    assert.not_matches(ESC, err, nil, true)
    assert.matches("^luamig: ", err)
  end)

  it("a terminal shows the progress verb in colour and the error prefix in red", function()
    local out = on_a_terminal("upgrade head")
    assert.matches(ESC .. "[32mRunning upgrade" .. ESC .. "[0m  -> aaaa00000001", out, nil, true)
    out = on_a_terminal("upgrade nope")
    assert.matches(ESC .. "[1;31mluamig:" .. ESC .. "[0m ", out, nil, true)
  end)

  it("NO_COLOR turns colour off even on a terminal", function()
    local out = on_a_terminal("upgrade head", "NO_COLOR=1") .. on_a_terminal("upgrade nope", "NO_COLOR=1")
    assert.not_matches(ESC, out, nil, true)
    assert.matches("Running upgrade  -> aaaa00000001, create a", out, nil, true)
    assert.matches("luamig: ", out, nil, true)
  end)

  it("results on stdout never carry colour", function()
    on_a_terminal("-q upgrade head")
    for _, args in ipairs({ "current", "history", "heads", "status" }) do
      local code, out = run(dir, args)
      assert.equal(0, code)
      assert.not_matches(ESC, out, nil, true)
    end
  end)
end)
