-- luamig against what a real Alembic printed: the scenarios of
-- spec/fixtures/alembic/scenarios.txt, captured from Debian's alembic by
-- capture.sh into alembic-1.8.1.txt, run again here through the binary on
-- the same graph, output compared line for line.
--
-- What is not compared, and why:
-- - the order of lines Alembic takes from a Python set or the directory
--   listing (heads, current, show, the children of a branch point, stamp's
--   rows): that order changes from run to run; luamig's is by id
--   (README, "Differences from Alembic");
-- - Path: lines past the revision id (.py against .lua), and the URL of
--   `current -v` (checked for its hidden password in a spec of its own);
-- - --sql output but its "-- Running" comments: the version table is
--   luamig's, with its history table;
-- - the exit code of a failure (Alembic 255, luamig 1) and what luamig adds
--   after Alembic's error message.
local helpers = require("support.helpers")

local FIXTURE = "spec/fixtures/alembic/alembic-1.8.1.txt"

-- { { name, graph, commands = { { cmd, out = {lines}, err = {lines}, exit } } } }
local function read_fixture(path)
  local scenarios, scenario, command = {}, nil, nil
  for line in io.lines(path) do
    if line:sub(1, 3) == "== " then
      scenario = { name = line:sub(4), commands = {} }
      scenarios[#scenarios + 1] = scenario
    elseif line:sub(1, 7) == "graph: " then
      scenario.graph = line:sub(8)
    elseif line:sub(1, 2) == "$ " then
      command = { cmd = line:sub(3), out = {}, err = {} }
      scenario.commands[#scenario.commands + 1] = command
    elseif line:sub(1, 2) == "> " then
      command.out[#command.out + 1] = line:sub(3)
    elseif line:sub(1, 2) == "! " then
      command.err[#command.err + 1] = line:sub(3)
    elseif line:sub(1, 5) == "exit " then
      command.exit = tonumber(line:sub(6))
    end
  end
  return scenarios
end

-- "aaaa<-[][lb]; bbbb<-[aaaa]{dep lb}" as revisions for helpers.project
local function revisions(graph)
  local function names(s)
    local list = {}
    for name in (s or ""):gmatch("[^,%s]+") do list[#list + 1] = name end
    return list
  end
  local revs = {}
  for item in graph:gmatch("[^;]+") do
    local id, parents, rest = item:match("^%s*(%w+)<%-%[([^%]]*)%](.-)%s*$")
    assert(id, "bad revision in the fixture: " .. item)
    local down = names(parents)
    revs[#revs + 1] = {
      id = id, slug = "r", message = "msg " .. id,
      down = #down == 1 and down[1] or (#down > 1 and down or nil),
      labels = rest:match("^%[([^%]]*)%]") and names(rest:match("^%[([^%]]*)%]")) or nil,
      depends_on = rest:match("{dep ([^}]*)}") and names(rest:match("{dep ([^}]*)}")) or nil,
      up = ('op.execute("CREATE TABLE t_%s (id int)")'):format(id),
      down_body = ('op.execute("DROP TABLE t_%s")'):format(id),
    }
  end
  return revs
end

local function split_lines(text)
  local lines = {}
  for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return lines
end

-- One line as both tools' lines are compared.
local function normal(line)
  line = line:gsub("^Path: .-/(%w+)_r%.%a+$", "Path: %1")
  line = line:gsub("^Current revision%(s%) for .*:$", "Current revision(s) for URL:")
  return line
end

-- Lines whose order Alembic takes from a set: each item (a Rev: block, or
-- a line) sorted, a leading header kept first.
local function sorted_items(lines)
  local header, items, blocks = {}, {}, false
  for _, line in ipairs(lines) do blocks = blocks or line:find("^Rev: ") ~= nil end
  for _, line in ipairs(lines) do
    if #items == 0 and line:find("^Current revision") then
      header[#header + 1] = line
    elseif not blocks or line:find("^Rev: ") or #items == 0 then
      items[#items + 1] = line
    else
      items[#items] = items[#items] .. "\n" .. line
    end
  end
  table.sort(items)
  table.move(items, 1, #items, #header + 1, header)
  return header
end

-- branches: the children of each branch point in id order, and its
-- "Branches into:" list too.
local function sorted_children(lines)
  local out, run = {}, {}
  local function flush()
    table.sort(run)
    table.move(run, 1, #run, #out + 1, out)
    run = {}
  end
  for _, line in ipairs(lines) do
    if line:find("^%s+%-> ") then
      run[#run + 1] = line
    else
      flush()
      local list = line:match("^Branches into: (.*)$")
      if list then
        local ids = {}
        for id in list:gmatch("[^, ]+") do ids[#ids + 1] = id end
        table.sort(ids)
        line = "Branches into: " .. table.concat(ids, ", ")
      end
      out[#out + 1] = line
    end
  end
  flush()
  return out
end

local SET_ORDERED = { heads = true, current = true, show = true, stamp = true }

-- What of a command's output is compared: { out = lines, log = lines,
-- error = Alembic's message or nil }.
local function comparable(verb, sql, out, log)
  local o, l = {}, {}
  for _, line in ipairs(out) do
    if not sql or line:find("^%-%- Running ") then o[#o + 1] = normal(line) end
  end
  for _, line in ipairs(log) do l[#l + 1] = (line:gsub(" %(%d+ ms%)$", "")) end
  if verb == "branches" then o = sorted_children(o) end
  if SET_ORDERED[verb] then o, l = sorted_items(o), sorted_items(l) end
  return { out = o, log = l }
end

local function alembic_side(command)
  local verb, sql = command.cmd:match("^(%S+)"), command.cmd:find("--sql", 1, true) ~= nil
  local out, failed = {}, nil
  for _, line in ipairs(command.out) do
    local message = line:match("^FAILED: (.*)$")
    if message then failed = message else out[#out + 1] = line end
  end
  for _, line in ipairs(command.err) do
    assert(line:find("^Running "), "the fixture holds a log line this spec does not know: " .. line)
  end
  local side = comparable(verb, sql, out, command.err)
  side.failed = failed
  return side
end

local function luamig_side(command, code, stdout, stderr)
  local verb, sql = command.cmd:match("^(%S+)"), command.cmd:find("--sql", 1, true) ~= nil
  local log, failed = {}, nil
  for _, line in ipairs(split_lines(stderr)) do
    if line:find("^Running ") then log[#log + 1] = line end
    failed = failed or line:match("^luamig: (.*)$")
  end
  local side = comparable(verb, sql, code == 0 and split_lines(stdout) or {}, log)
  side.failed = code ~= 0 and (failed or ("exit " .. tostring(code) .. ": " .. stderr)) or nil
  return side
end

local function check(command, code, stdout, stderr)
  local want, got = alembic_side(command), luamig_side(command, code, stdout, stderr)
  local label = ("luamig %s"):format(command.cmd)
  if want.failed then
    assert(code == 1, ("%s: exit %s, Alembic failed with: %s"):format(label, tostring(code), want.failed))
    -- luamig may add detail after Alembic's message, never change it
    assert.equal(want.failed, got.failed:sub(1, #want.failed), label)
    return
  end
  assert(code == 0, ("%s exited %s: %s"):format(label, tostring(code), stderr))
  assert.same(want.out, got.out, label .. " (stdout)")
  assert.same(want.log, got.log, label .. " (log)")
end

describe("output as Alembic 1.8.1 prints it", function()
  local scenarios = read_fixture(FIXTURE)

  it("the fixture holds every scenario of scenarios.txt", function()
    local names = {}
    for line in io.lines("spec/fixtures/alembic/scenarios.txt") do
      local name = line:match("^== (.*)$")
      if name then names[#names + 1] = name end
    end
    local captured = {}
    for i, s in ipairs(scenarios) do captured[i] = s.name end
    assert.same(names, captured)
  end)

  for _, scenario in ipairs(scenarios) do
    it(scenario.name .. ": " .. scenario.graph, function()
      local url, conn = helpers.fresh_db()
      local dir = helpers.project { url = url, revisions = revisions(scenario.graph) }
      for _, command in ipairs(scenario.commands) do
        check(command, helpers.run(dir, command.cmd))
      end
      conn:close()
    end)
  end
end)

describe("current -v", function()
  it("names the database as Alembic does, its password hidden", function()
    local _, conn, name = helpers.fresh_db()
    local url = ("postgresql://postgres:s3cret@/%s?host=%s"):format(name, helpers.pghost():gsub("/", "%%2F"))
    local dir = helpers.project { url = url, revisions = revisions("aaaa<-[]") }
    assert.equal(0, (helpers.run(dir, "stamp aaaa")))
    local code, out = helpers.run(dir, "current -v")
    assert.equal(0, code)
    assert.equal(("Current revision(s) for postgresql://postgres:****@/%s?host=%s:\nRev: aaaa (head)\n")
      :format(name, helpers.pghost():gsub("/", "%%2F")), out:match("^[^\n]*\n[^\n]*\n"))
    assert.not_matches("s3cret", out)
    conn:close()
  end)
end)
