-- The size rules of the house (issue 14, CONTRIBUTING.md): no Lua file
-- over 600 lines, no function over 60, so that each concern has a room of
-- its own. A function is measured from its `function` line to the `end`
-- at the same indentation.
local MAX_FILE, MAX_FUNCTION = 600, 60

local function lua_files()
  local list = {}
  local p = assert(io.popen("find lua/luamig -name '*.lua' | sort"))
  for path in p:lines() do list[#list + 1] = path end
  p:close()
  assert(#list > 0, "no Lua files found under lua/luamig (run from the repository)")
  return list
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  return lines
end

-- { { name, first, lines } } for each function that starts a line
local function functions(lines)
  local out = {}
  for i, line in ipairs(lines) do
    local indent, name = line:match("^(%s*)local function ([%w_.:]+)")
    if not indent then indent, name = line:match("^(%s*)function ([%w_.:]+)") end
    if not indent then indent, name = line:match("^(%s*)[%w_.]+%s*=%s*function"), line:match("^%s*([%w_.]+)") end
    if indent and not line:find("end%)?,?%s*$") then
      for j = i + 1, #lines do
        if lines[j]:match("^" .. indent .. "end") then
          out[#out + 1] = { name = name, first = i, lines = j - i + 1 }
          break
        end
      end
    end
  end
  return out
end

describe("the house rules", function()
  it("no Lua file is over " .. MAX_FILE .. " lines", function()
    local over = {}
    for _, path in ipairs(lua_files()) do
      local n = #read_lines(path)
      if n > MAX_FILE then over[#over + 1] = ("%s: %d lines"):format(path, n) end
    end
    assert.same({}, over)
  end)

  it("no function is over " .. MAX_FUNCTION .. " lines", function()
    local over = {}
    for _, path in ipairs(lua_files()) do
      for _, f in ipairs(functions(read_lines(path))) do
        if f.lines > MAX_FUNCTION then
          over[#over + 1] = ("%s:%d: %s, %d lines"):format(path, f.first, f.name, f.lines)
        end
      end
    end
    assert.same({}, over)
  end)
end)
