-- Writes a luamig project with N one-table revisions:
--   lua5.4 bench/gen.lua DIR N [chain|branchy] [URL]
-- chain: r1 <- r2 <- ... ; branchy: every 10th revision starts a side
-- branch of 5 that a merge revision joins back in.
local dir, n, shape, url = arg[1], tonumber(arg[2]), arg[3] or "chain", arg[4] or ""
assert(dir and n, "usage: lua5.4 bench/gen.lua DIR N [chain|branchy] [URL]")

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

os.execute(("mkdir -p %q/migrations/versions"):format(dir))
write(dir .. "/luamig.lua", ([[
return { script_location = "migrations", url = %q }
]]):format(url))
write(dir .. "/migrations/env.lua", "return {}\n")

local function id(i) return ("%012x"):format(i) end

local function revision(i, down, ups, downs)
  return ([[
-- revision %d
return {
  revision = %q,
  down_revision = %s,
  message = "revision %d",
  upgrade = function(op)
    %s
  end,
  downgrade = function(op)
    %s
  end,
}
]]):format(i, id(i), down, i, ups, downs)
end

local function table_revision(i, down)
  return revision(i, down,
    ('op.create_table("t%d", { { "id", "bigserial", primary_key = true }, { "name", "text", nullable = false } })'):format(i),
    ('op.drop_table("t%d")'):format(i))
end

local prev = nil
local i = 1
while i <= n do
  local down = prev and ("%q"):format(id(prev)) or "nil"
  if shape == "branchy" and i % 10 == 0 and i + 6 <= n and prev then
    -- a side branch of 5 from prev, then a merge of the main line and the side
    local side_prev = prev
    for k = 1, 5 do
      write(("%s/migrations/versions/%s.lua"):format(dir, id(i + k)), table_revision(i + k, ("%q"):format(id(side_prev))))
      side_prev = i + k
    end
    write(("%s/migrations/versions/%s.lua"):format(dir, id(i)), table_revision(i, down))
    write(("%s/migrations/versions/%s.lua"):format(dir, id(i + 6)),
      revision(i + 6, ("{ %q, %q }"):format(id(i), id(side_prev)), "", ""))
    prev = i + 6
    i = i + 7
  else
    write(("%s/migrations/versions/%s.lua"):format(dir, id(i)), table_revision(i, down))
    prev = i
    i = i + 1
  end
end
