-- Rendering: diff records as the bodies of a revision's upgrade and
-- downgrade, one op call per record (each kind's call is its entry in
-- luamig.autogen.kinds), and a comment where a drop and an add of columns
-- may have been a rename.
local lualit = require("luamig.lualit")
local kinds = require("luamig.autogen.kinds")
local normalize = require("luamig.autogen.normalize")
local write = require("luamig.autogen.write")

local M = {}

-- Each dropped column with an added one, preferring one of the same type.
local function pair_up(removed, added)
  local used, out = {}, {}
  for _, r in ipairs(removed) do
    local rtype, pick = normalize.type(r.column.type), nil
    for i, a in ipairs(added) do
      if not used[i] then
        if normalize.type(a.column.type) == rtype then pick = i break end
        pick = pick or i
      end
    end
    if pick == nil then break end
    used[pick] = true
    out[#out + 1] = { r, added[pick] }
  end
  return out
end

local function hint(r, a)
  local str = lualit.string
  local opts = write.schema_opt(r, { "new_name = " .. str(a.column.name) })
  return ("-- a drop and an add of %s -> %s: if this was a rename, use %s instead"):format(
    write.where(r, r.column.name), write.where(a, a.column.name),
    write.call("alter_column", { str(r.table), str(r.column.name), write.braces(opts) }))
end

-- Comments to put before the first column change of each table where
-- columns are both dropped and added: it may have been a rename, which no
-- catalog can tell.
local function rename_hints(diffs)
  local tables, hints = {}, {}
  for _, d in ipairs(diffs) do
    if d.kind == "add_column" or d.kind == "remove_column" then
      local k = normalize.table_key(d.schema, d.table)
      tables[k] = tables[k] or { first = d, add_column = {}, remove_column = {} }
      local list = tables[k][d.kind]
      list[#list + 1] = d
    end
  end
  for _, t in pairs(tables) do
    local lines = {}
    for _, p in ipairs(pair_up(t.remove_column, t.add_column)) do lines[#lines + 1] = hint(p[1], p[2]) end
    if #lines > 0 then hints[t.first] = lines end
  end
  return hints
end

-- The bodies of upgrade and downgrade: one op call per line (create_table
-- spans several, indented by two spaces), to be indented by the template.
function M.render(diffs)
  local hints = rename_hints(diffs)
  local up, down = {}, {}
  for _, d in ipairs(diffs) do
    for _, line in ipairs(hints[d] or {}) do up[#up + 1] = line end
    up[#up + 1] = kinds.of(d).render(d)
  end
  for i = #diffs, 1, -1 do
    local undo = kinds.of(diffs[i]).inverse(diffs[i])
    down[#down + 1] = kinds.of(undo).render(undo)
  end
  return table.concat(up, "\n"), table.concat(down, "\n")
end

return M
