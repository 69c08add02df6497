-- luamig.revmap.versions — the version table's bookkeeping, what Alembic
-- keeps in runtime/migration.py (HeadMaintainer with RevisionStep and
-- StampStep): a model of the rows, what an upgrade, a downgrade or a stamp
-- step does to them, and the steps of a command with the version_ops each
-- applies. luamig.runtime carries the ops out on the real table.
local lists = require("luamig.lists")
local map = require("luamig.revmap.map")
local errors = require("luamig.revmap.errors")
require("luamig.revmap.order")

local EMPTY, contains, ids_of, is_node, heads_list = map.EMPTY, map.contains, map.ids_of, map.is_node,
  map.heads_list
local fail, guarded = errors.fail, errors.guarded
local copy = lists.copy

local M = {}

-- ancestor sets of one revision, by map (a map is immutable), by node
local ancestor_sets = setmetatable({}, { __mode = "k" })

local function ancestor_set(self, node)
  local cache = ancestor_sets[self]
  if not cache then cache = setmetatable({}, { __mode = "k" }); ancestor_sets[self] = cache end
  local s = cache[node]
  if not s then s = self:_ancestors({ node }); cache[node] = s end
  return s
end

-- a search that visits this many revisions gives up and caches the full
-- ancestor set instead (so a head asked about again and again costs one walk)
local SEARCH_BUDGET = 64

-- is n an ancestor of h (or h itself)?  Searches down from h, skipping
-- revisions numbered (_topo) below n: none of them can lead to n.
local function is_below(self, n, h)
  if n == h then return true end
  local cache = ancestor_sets[self]
  local cached = cache and cache[h]
  if cached then return cached[n] == true end
  if not self._acyclic then return ancestor_set(self, h)[n] == true end
  local floor = n._topo
  if h._topo < floor then return false end
  local nodes, seen, stack, top, visited = self._nodes, { [h] = true }, { h }, 1, 0
  while top > 0 do
    local x = stack[top]
    stack[top] = nil
    top = top - 1
    visited = visited + 1
    if visited > SEARCH_BUDGET then return ancestor_set(self, h)[n] == true end
    local downs = x._norm_down
    for i = 1, #downs do
      local p = nodes[downs[i]]
      if p == n then return true end
      if p._topo > floor and not seen[p] then
        seen[p] = true
        top = top + 1
        stack[top] = p
      end
    end
  end
  return false
end

-- ids in `list` that are not ancestors of any of `heads` (ids)
local function not_below(self, list, heads)
  local out = {}
  for _, id in ipairs(list) do
    local n, below = self._nodes[id], false
    for _, h in ipairs(heads) do
      if is_below(self, n, self._nodes[h]) then below = true; break end
    end
    if not below then out[#out + 1] = id end
  end
  return out
end


-- a tiny model of the version table: a set of ids plus the ops applied
local Rows = {}
Rows.__index = Rows

local function new_rows(ids)
  local r = setmetatable({ set = {}, n = 0, ops = {} }, Rows)  -- n: rows in set
  for _, id in ipairs(ids) do
    if not r.set[id] then r.set[id] = true; r.n = r.n + 1 end
  end
  return r
end

function Rows:list()
  local out = {}
  for id in pairs(self.set) do out[#out + 1] = id end
  table.sort(out)
  return out
end

-- ids of the rows not in `except` (a short list), in no particular order
function Rows:others(except)
  local out = {}
  for id in pairs(self.set) do
    if not contains(except, id) then out[#out + 1] = id end
  end
  return out
end

-- how many of `ids` have a row, and the first of them that has
function Rows:count_of(ids)
  local n, first = 0, nil
  for i = 1, #ids do
    if self.set[ids[i]] then n = n + 1; first = first or ids[i] end
  end
  return n, first
end

function Rows:insert(id)
  if self.set[id] then fail("version table already has a row for %s", id) end
  self.set[id] = true
  self.n = self.n + 1
  self.ops[#self.ops + 1] = { op = "insert", id = id }
end

function Rows:delete(id)
  if not self.set[id] then fail("version table has no row for %s to delete", id) end
  self.set[id] = nil
  self.n = self.n - 1
  self.ops[#self.ops + 1] = { op = "delete", id = id }
end

function Rows:update(from, to)
  if self.set[to] then fail("version table already has a row for %s", to) end
  if not self.set[from] then fail("version table has no row for %s to update", from) end
  self.set[from], self.set[to] = nil, true
  self.ops[#self.ops + 1] = { op = "update", from = from, to = to }
end

function Rows:intersect(list)
  local out = {}
  for _, id in ipairs(list) do if self.set[id] then out[#out + 1] = id end end
  return out
end

-- HeadMaintainer.update_to_step for an upgrade RevisionStep
local function apply_upgrade(self, rows, node)
  local downs, id = node._norm_down, node.revision
  local n_present, first_present = rows:count_of(downs)
  if #downs == 0 or n_present == 0 then
    rows:insert(id)                       -- a new branch (or a base)
  elseif #downs > 1 and n_present > 1 then
    -- a merge: keep one row, delete the others
    local from = downs
    local others = rows:others(downs)
    if #others > 0 then from = not_below(self, downs, others) end
    for i = 1, #from - 1 do rows:delete(from[i]) end
    rows:update(from[#from], id)
  else
    if n_present ~= 1 then fail("Can't do an UPDATE because downrevision is ambiguous") end
    rows:update(#downs == 1 and downs[1] or first_present, id)
  end
end

-- HeadMaintainer.update_to_step for a downgrade RevisionStep
local function apply_downgrade(self, rows, node)
  local downs, id = node._norm_down, node.revision
  local has_row, unmerge_to = rows.set[id], nil
  if has_row and #downs > 0 then
    -- the parents that no other row builds on
    local others = rows.n > 1 and rows:others({ id }) or EMPTY
    unmerge_to = #others == 0 and downs or not_below(self, downs, others)
  end
  if has_row and (#downs == 0 or #unmerge_to == 0) then
    rows:delete(id)                       -- the branch ends here
  elseif has_row and #downs > 1 then
    local to = unmerge_to                 -- a merge comes apart
    for i = 1, #to - 1 do rows:insert(to[i]) end
    rows:update(id, to[#to])
  else
    local down = downs[1]
    if #downs ~= 1 then
      local n_present, first_present = rows:count_of(downs)
      if n_present ~= 1 then fail("Can't do an UPDATE because downrevision is ambiguous") end
      down = first_present
    end
    rows:update(id, down)
  end
end

local APPLY = { up = apply_upgrade, down = apply_downgrade }

local function make_step(node, source, direction, ops)
  local from, to
  if direction == "up" then from, to = copy(node.down_revisions), { node.revision }
  else from, to = { node.revision }, copy(node.down_revisions) end
  return { node = node, source = source, direction = direction, from = from, to = to, version_ops = ops }
end

-- turn an ordered list of nodes into steps ("up" or "down"), simulating
-- the version table
local function steps_of(self, current, order, direction)
  local rows = new_rows(current)
  local steps = {}
  local ops = rows.ops
  local apply = APPLY[direction]
  for i, node in ipairs(order) do
    local before = #ops
    apply(self, rows, node)
    local after = #ops
    local step_ops = after == before + 1 and { ops[after] } or table.move(ops, before + 1, after, 1, {})
    steps[i] = make_step(node, self:source(node), direction, step_ops)
  end
  return steps
end

local function upgrade_order(self, current, target)
  local needs, targets = self:_collect_upgrade(target, current, { implicit_base = true, assert_len = true })
  local order = self:_topological_sort(needs, targets, { closed = true })
  local reversed = {}
  for i = #order, 1, -1 do reversed[#reversed + 1] = order[i] end
  return reversed
end

local function downgrade_order(self, current, target)
  local drop, heads = self:_collect_downgrade(current, target, { assert_len = true })
  return self:_topological_sort(drop, heads, { closed = true })
end

-- how each direction orders its revisions, and what a target that is not
-- along the branch is called
local PLANS = {
  up = { order = upgrade_order,
         ancestor = "Destination %{end} is not a valid upgrade target from current head(s)" },
  down = { order = downgrade_order,
           ancestor = "Destination %{end} is not a valid downgrade target from current head(s)" },
}

local function planned_steps(self, direction, current_heads, target)
  local plan, current = PLANS[direction], heads_list(current_heads)
  local order = guarded({ ancestor = plan.ancestor, end_ = target }, plan.order, self, current, target)
  return steps_of(self, current, order, direction)
end

--- The steps `upgrade TARGET` runs from current_heads, in Alembic's order.
function M.upgrade_steps(self, current_heads, target)
  return planned_steps(self, "up", current_heads, target)
end

--- The steps `downgrade TARGET` runs from current_heads, in Alembic's order.
function M.downgrade_steps(self, current_heads, target)
  return planned_steps(self, "down", current_heads, target)
end

-- Alembic's ScriptDirectory._stamp_revs: from the current heads to each
-- revision, a step up, down, or a branch created or removed
local function collect_stamp(self, current, revision)
  local head_revs = self:get_revisions(current)
  if #revision == 0 then revision = { "base" } end
  local filtered, seen = {}, {}
  for _, rev in ipairs(revision) do
    for _, h in ipairs(self:filter_for_lineage(head_revs, rev, { include_deps = true })) do
      if not seen[h] then seen[h] = true; filtered[#filtered + 1] = h end
    end
  end
  local dests = self:get_revisions(revision)
  if #dests == 0 then dests = { false } end
  local steps = {}
  for _, dest in ipairs(dests) do
    if not is_node(dest) then
      for _, h in ipairs(filtered) do
        steps[#steps + 1] = { from = { h.revision }, to = {}, up = false, branch_move = true }
      end
    elseif not seen[dest] then
      local above, below = self:_descendants({ dest }), self:_ancestors({ dest })
      local touches_above, touches_below = false, false
      for _, h in ipairs(filtered) do
        touches_above = touches_above or above[h] or false
        touches_below = touches_below or below[h] or false
      end
      local from = ids_of(filtered)
      if touches_above then
        steps[#steps + 1] = { from = from, to = { dest.revision }, up = false, branch_move = false }
      elseif touches_below then
        steps[#steps + 1] = { from = from, to = { dest.revision }, up = true, branch_move = false }
      else
        steps[#steps + 1] = { from = {}, to = { dest.revision }, up = true, branch_move = true }
      end
    end
  end
  return steps
end

-- HeadMaintainer.update_to_step for a StampStep
local function apply_stamp(rows, s)
  local missing_from = #rows:intersect(s.from) < #s.from
  if not s.up and s.branch_move then
    rows:delete(s.from[1])
  elseif s.up and (s.branch_move or missing_from) and #rows:intersect(s.to) < #s.to then
    rows:insert(s.to[1])
  elseif #s.from > 1 then
    for i = 1, #s.from - 1 do rows:delete(s.from[i]) end
    rows:update(s.from[#s.from], s.to[1])
  elseif #s.to > 1 then
    for i = 1, #s.to - 1 do rows:insert(s.to[i]) end
    rows:update(s.from[1], s.to[#s.to])
  else
    rows:update(s.from[1], s.to[1])
  end
end

--- The steps of `stamp TARGETS` (one target string or a list), each
--- { direction = "stamp", from = ids, to = ids, version_ops }: Alembic's
--- StampSteps, whose from/to its "Running stamp_revision" line names.
function M.stamp_steps(self, current_heads, targets)
  local current = heads_list(current_heads)
  if type(targets) ~= "table" then targets = { targets } end
  local rows = new_rows(current)
  local steps = guarded({ multiple_heads = "Multiple heads are present; please specify a single target revision" },
    collect_stamp, self, current, targets)
  for i, s in ipairs(steps) do
    local before = #rows.ops
    apply_stamp(rows, s)
    steps[i] = { direction = "stamp", from = s.from, to = s.to,
                 version_ops = table.move(rows.ops, before + 1, #rows.ops, 1, {}) }
  end
  return steps
end

--- Apply version_ops to a list of rows; returns the new rows, sorted.
function M.apply_version_ops(rows, ops)
  local r = new_rows(rows)
  for _, o in ipairs(ops) do
    if o.op == "insert" then r:insert(o.id)
    elseif o.op == "delete" then r:delete(o.id)
    elseif o.op == "update" then r:update(o.from, o.to)
    else fail("unknown version op '%s'", tostring(o.op)) end
  end
  return r:list()
end

return M
