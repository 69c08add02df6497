-- Writes a luamig project with N one-table revisions:
--   lua5.4 bench/gen.lua DIR N [chain|branchy] [URL] [UNSAFE_EVERY]
-- chain: r1 <- r2 <- ... ; branchy: every 10th revision starts a side
-- branch of 5 that a merge revision joins back in. UNSAFE_EVERY (lint's
-- benchmark): every so many revisions also does one unsafe thing to a
-- table made long before (revision i to t(i/2): with the first half
-- applied, the second half's land on existing tables; unsafe_ops).
local dir, n, shape, url = arg[1], tonumber(arg[2]), arg[3] or "chain", arg[4] or ""
local unsafe_every = tonumber(arg[5] or "")
assert(dir and n, "usage: lua5.4 bench/gen.lua DIR N [chain|branchy] [URL] [UNSAFE_EVERY]")

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

-------------------------------------------------- lint's benchmark (#17)
-- The unsafe things, in turn, each on an earlier table tN (name text).
local UNSAFE = {
  'op.create_index("ix_t%d_name", "t%d", { "name" })',
  'op.add_column("t%d", { "c", "integer", nullable = false })',
  'op.alter_column("t%d", "name", { type = "varchar(20)" })',
  'op.execute("UPDATE t%d SET name = lower(name)")',
  'op.alter_column("t%d", "name", { new_name = "title" })',
  'op.add_column("t%d", { "created", "timestamp", default = "clock_timestamp()" })',
  'op.create_check_constraint("t%d_name_short", "t%d", "length(name) < 100")',
  'op.create_unique_constraint("t%d_name_key", "t%d", { "name" })',
}

local function unsafe_ops(i)
  if not unsafe_every or i == 1 or i % unsafe_every ~= 0 then return "" end
  local op = UNSAFE[(i // unsafe_every) % #UNSAFE + 1]
  return "\n    " .. op:gsub("%%d", tostring(i // 2))
end

local function table_revision(i, down)
  return revision(i, down,
    ('op.create_table("t%d", { { "id", "bigserial", primary_key = true }, { "name", "text", nullable = false } })'):format(i)
      .. unsafe_ops(i),
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
