-- luamig.revmap.map — the revision graph in memory: the Map class, the
-- shape of a node and the small list helpers over nodes that every part
-- of the graph uses. The modules beside it add Map's methods by concern
-- (reach, resolve, order); luamig.revmap (init.lua) loads them, so a Map
-- has every method wherever it was made.
--
-- Order.  Alembic orders its map by the order in which os.listdir() returned
-- the files, i.e. by accident.  We order it by revision id instead, so every
-- list here is deterministic; where Alembic's result depends on that map
-- order (heads, step order between independent branches) ours is what
-- Alembic gives when the files are listed in id order.  Where Alembic
-- iterates a Python set (which row of a merge is UPDATEd and which DELETEd,
-- the order of several depends_on) we use the declared order.

local M = {}

local Map = {}
Map.__index = Map
M.Map = Map

-- the "<base>" position a downward walk can end on
M.BASE = setmetatable({}, { __tostring = function() return "base" end })

-- internal lists that are usually empty share this one (read-only)
local EMPTY = setmetatable({}, { __newindex = function() error("read-only", 2) end })
M.EMPTY = EMPTY

-- What a node holds unless it says otherwise: most revisions have no
-- labels, no depends_on and none of the flags, so these stay out of the
-- node (a smaller table: building ten thousand of them is most of the
-- map's cost) and are set only where they differ.
M.Node = { __index = {
  own_branch_labels = EMPTY, declared_depends_on = EMPTY, depends_on = EMPTY,
  branch_labels = EMPTY, _label_set = EMPTY, _norm_next = EMPTY,
  is_head = false, is_base = false, is_branch_point = false, is_merge_point = false,
} }

function M.contains(list, x)
  for i = 1, #list do if list[i] == x then return true end end
  return false
end
local contains = M.contains

-- nil | "x" | {"x", "y"} -> a fresh array without repeats (lists here are
-- short: parents, labels; so a linear scan beats a set)
function M.to_list(v)
  if v == nil then return {} end
  if type(v) ~= "table" then return { v } end
  local out, n = {}, 0
  for i = 1, #v do
    local x = v[i]
    if not contains(out, x) then n = n + 1; out[n] = x end
  end
  return out
end

-- the current heads a caller passes (nil, an id or a list) as a list
function M.heads_list(current)
  if current == nil then return {} end
  if type(current) == "string" then return { current } end
  return current
end

-- appends x to the list node[field], which may still be the shared EMPTY
function M.append(node, field, x)
  local list = node[field]
  if list == EMPTY then list = {}; node[field] = list end
  list[#list + 1] = x
end

function M.ids_of(nodes)
  local out = {}
  for i, n in ipairs(nodes) do out[i] = n.revision end
  return out
end

function M.by_map_order(a, b) return a._idx < b._idx end
local by_map_order = M.by_map_order

-- set of nodes -> array in map order
function M.sorted_nodes(set)
  local out = {}
  for n in pairs(set) do out[#out + 1] = n end
  table.sort(out, by_map_order)
  return out
end

function M.is_node(x) return type(x) == "table" and x.revision ~= nil end
local is_node = M.is_node

-- the nodes of a list that may hold false (no revision) and BASE
function M.real_nodes(list)
  local out = {}
  for _, r in ipairs(list) do if is_node(r) then out[#out + 1] = r end end
  return out
end

function Map:_nodes_of(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = self._nodes[id] end
  return out
end

return M
