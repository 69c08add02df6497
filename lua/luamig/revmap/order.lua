-- luamig.revmap.order — which revisions a range covers and in what order
-- they run (Alembic's iterate_revisions: _collect_upgrade_revisions,
-- _collect_downgrade_revisions, _topological_sort), and the history that
-- lists them. Methods of Map.
local lists = require("luamig.lists")
local map = require("luamig.revmap.map")
local errors = require("luamig.revmap.errors")
require("luamig.revmap.reach")
require("luamig.revmap.resolve")

local Map, BASE = map.Map, map.BASE
local is_node, real_nodes, by_map_order = map.is_node, map.real_nodes, map.by_map_order
local raise, revision_error = errors.raise, errors.revision_error

local WITH_DEPS_CHECKED = { check_overlaps = true }
local WITHOUT_DEPS = { include_deps = false }

-- The revisions an upgrade from lower to upper runs (a set of nodes), the
-- targets, and whether nothing below was applied. options: inclusive
-- (lower itself too), implicit_base (lower need not be an ancestor: what
-- is not applied below upper runs), assert_len (as _parse_upgrade_target).
function Map:_collect_upgrade(upper, lower, options)
  local inclusive, implicit_base = options.inclusive, options.implicit_base
  local targets = real_nodes(self:_parse_upgrade_target(lower, upper, options))
  -- "label@rev:..." as the lower end keeps only targets on that branch
  if type(lower) == "string" and lower:find("@", 1, true) then
    local branch = lower:match("^(.-)@")
    local branch_rev = self:get_revision(branch)
    if branch_rev and branch_rev.revision == branch then branch = branch_rev.branch_labels[1] end
    local kept = {}
    for _, t in ipairs(targets) do if t._label_set[branch] then kept[#kept + 1] = t end end
    targets = kept
  end
  local required = self:_ancestors(targets, WITH_DEPS_CHECKED)
  local current = self:get_revisions(lower)
  if not implicit_base then
    for _, c in ipairs(current) do
      if c and not required[c] then
        raise("range", "not an ancestor", { lower = lower, upper = upper })
      end
    end
  end
  if current[1] == false then
    -- a relative lower end ("-3:") that walked off the graph
    local _, rev = self:_parse_downgrade_target(upper, lower, options)
    if rev == BASE then current, lower = {}, nil else current, lower = { rev }, rev.revision end
  end
  current = real_nodes(current)
  local applied = self:_ancestors(current, WITH_DEPS_CHECKED)
  local needs = required                 -- not used otherwise from here
  for n in pairs(applied) do needs[n] = nil end
  if inclusive then
    for _, r in ipairs(self:get_revisions(lower)) do if is_node(r) then needs[r] = true end end
  end
  if #current > 0 and not implicit_base then
    local below = self:_descendants(current, { include_deps = false, check_overlaps = true })
    for n in pairs(needs) do if not below[n] then needs[n] = nil end end
  end
  -- with nothing applied, needs is everything below the targets
  return needs, targets, #current == 0
end

-- The revisions a downgrade from upper to target runs (a set of nodes)
-- and the heads it starts from. options: inclusive (target itself too),
-- implicit_base (also what is applied but not below target's roots),
-- assert_len (as _parse_downgrade_target).
function Map:_collect_downgrade(upper, target, options)
  local inclusive, implicit_base = options.inclusive, options.implicit_base
  local label, target_rev = self:_parse_downgrade_target(upper, target, options)
  if target_rev == BASE then target_rev = false end
  local roots, every_base = nil, not target_rev
  if not target_rev then
    roots = self:_nodes_of(self._bases)
  elseif inclusive then
    roots = { target_rev }
  else
    roots = self:get_revisions(target_rev.children)
  end
  if label and #roots > 1 then
    local on_branch = self:_ancestors({ self:_resolve_branch(label) }, WITHOUT_DEPS)
    local kept = {}
    for _, r in ipairs(roots) do if on_branch[r] then kept[#kept + 1] = r end end
    roots = kept
    every_base = false
    if #roots == 0 then revision_error("Not a valid downgrade target from current heads") end
  end
  local heads = real_nodes(self:get_revisions(upper))
  -- everything above the roots that is applied goes, dependents included
  -- (above every base, in a graph without cycles, is everything)
  local active = self:_ancestors(heads)
  local drop = active
  if not (every_base and self._acyclic) then
    drop = self:_descendants(roots)
    for n in pairs(drop) do if not active[n] then drop[n] = nil end end
  end
  if implicit_base then
    local keep = self:_ancestors(roots)
    for n in pairs(active) do if not keep[n] then drop[n] = true end end
  end
  if target_rev and not next(drop) and not lists.set_of(heads)[target_rev] then
    raise("range", "Nothing to drop", { lower = "Nothing to drop", upper = upper })
  end
  return drop, heads
end

-- _topological_sort: Alembic walks down from the heads, one "walker" per
-- head, and lets a walker emit a revision only when no other walker still
-- has it below; when blocked it switches to the first walker that has.
-- Alembic recomputes ancestor sets for that test; we search upwards from
-- the candidate instead, and only through revisions that can lead to a
-- walker: not yet emitted (no walker is ever above an emitted revision, or
-- it would have blocked that emission) and below some member of the set.
-- When the set is closed under paths (upgrade, downgrade: every revision
-- between two members is a member) that is the unemitted members, and a
-- search is needed only while a child of the candidate is unemitted.
-- Other sets (history with a lower bound) search whenever several
-- walkers are active.  (A graph with a cycle that _detect_cycles lets
-- through, as Alembic's does, gets Alembic's unpruned search.)
local ANY = setmetatable({}, { __index = function() return true end })

-- The revisions naming n in their _norm_down: without any depends_on
-- those are its children, kept as ids (building makes no second list).
function Map:_next_of(n)
  if self._has_deps then return n._norm_next, false end
  return n.children, true
end

function Map:_has_child_in(n, set)
  local up, by_id = self:_next_of(n)
  local nodes = self._nodes
  for i = 1, #up do
    local c = up[i]
    if by_id then c = nodes[c] end
    if set[c] then return true end
  end
  return false
end

-- todo (a set of nodes, emptied) in that order, from heads down;
-- options.closed: todo is closed under paths (see above).
function Map:_topological_sort(todo, heads, options)
  local closed = options.closed
  local nodes = self._nodes
  local walkers, walking = {}, {}
  for _, h in ipairs(heads) do
    if todo[h] and not walking[h] then walkers[#walkers + 1] = h; walking[h] = true end
  end
  table.sort(walkers, by_map_order)
  local within = todo
  if not closed and not self._acyclic then
    within = ANY
  elseif not closed then
    local members = {}
    for n in pairs(todo) do members[#members + 1] = n end
    within = self:_ancestors(members)
  end
  local out, idx = {}, 1
  while #walkers > 0 do
    local candidate = walkers[idx]
    local blocker = #walkers > 1 and (not closed or self:_has_child_in(candidate, todo))
      and self:_first_blocker(candidate, walkers, within)
    if blocker then
      idx = blocker
    else
      out[#out + 1] = candidate
      todo[candidate], walking[candidate] = nil, nil
      if within ~= ANY then within[candidate] = nil end
      -- its parents still to emit take its place; the second and later
      -- ones become new walkers at the end
      local replaced = false
      local downs = candidate._norm_down
      for i = 1, #downs do
        local p = nodes[downs[i]]
        if todo[p] then
          if not walking[p] then
            walking[p] = true
            if replaced then walkers[#walkers + 1] = p else walkers[idx] = p; replaced = true end
          end
        end
      end
      if not replaced then
        table.remove(walkers, idx)
        idx = math.max(idx - 1, 1)
      end
    end
  end
  return out
end

-- index of the first walker whose head lies above `candidate`, found by
-- searching upwards through `within`
function Map:_first_blocker(candidate, walkers, within)
  local above, stack, top, nodes = {}, { candidate }, 1, self._nodes
  while top > 0 do
    local n = stack[top]
    stack[top] = nil
    top = top - 1
    local up, by_id = self:_next_of(n)
    for i = 1, #up do
      local c = up[i]
      if by_id then c = nodes[c] end
      if within[c] and not above[c] then
        above[c] = true
        top = top + 1
        stack[top] = c
      end
    end
  end
  for j, w in ipairs(walkers) do
    if w ~= candidate and above[w] then return j end
  end
  return nil
end

-- walk_revisions(base, head): iterate_revisions(head, base, inclusive)
function Map:_walk_revisions(base, head)
  local needs, targets, down_closed = self:_collect_upgrade(head, base, { inclusive = true, assert_len = false })
  return self:_topological_sort(needs, targets, { closed = down_closed and self._acyclic })
end

-- The whole history (base:heads), computed once per map: history and
-- status list it, and a snapshot keeps it.
function Map:_full_history()
  local all = self._history
  if not all then
    all = errors.guarded({ start = "base", end_ = "heads" }, self._walk_revisions, self, "base", "heads")
    self._history = all
  end
  return all
end

return Map
