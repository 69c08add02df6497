-- luamig.revmap.build — building the graph from revision tables as loaded
-- from files (Alembic's RevisionMap._revision_map): the ids checked,
-- nodes made, parents linked to children, heads and bases found, the
-- revisions numbered topologically (cycles detected where that fails),
-- depends_on normalised and branch labels spread.
local map = require("luamig.revmap.map")
local errors = require("luamig.revmap.errors")
local names = require("luamig.revmap.names")
require("luamig.revmap.reach")

local Map, EMPTY, Node = map.Map, map.EMPTY, map.Node
local contains, to_list, append, ids_of, by_map_order = map.contains, map.to_list, map.append, map.ids_of,
  map.by_map_order
local fail = errors.fail

local M = {}

local function where(node)
  return node.path and (" (" .. node.path .. ")") or ""
end

-- The ids of the revisions, each a non-empty string that names.id_problem
-- lets through.
local function valid_ids(revisions)
  local ids = {}
  for i, src in ipairs(revisions) do
    local id = type(src) == "table" and src.revision
    if type(id) ~= "string" or id == "" then
      fail("revision #%d%s: 'revision' must be a non-empty string", i,
        type(src) == "table" and src.path and (" (" .. src.path .. ")") or "")
    end
    local problem = names.id_problem(id)
    if problem then fail("%s", problem) end
    ids[i] = id
  end
  return ids
end

-- a node for the revision src, whose id valid_ids checked
local function make_node(src, id)
  -- graph fields are plain fields of a revision; the rarely set ones are
  -- read raw (a revision known from the index answers a key it lacks
  -- through a function)
  local down, labels, deps = src.down_revision, rawget(src, "branch_labels"), rawget(src, "depends_on")
  -- the fields every node sets are named here so the table is sized once
  -- (adding keys later would rehash each of 10,000 nodes)
  local node = setmetatable({
    revision = id,
    down_revisions = down == nil and EMPTY or type(down) == "string" and { down } or to_list(down),
    message = src.message,
    path = src.path,
    source = src,
    children = EMPTY,    -- versioned next revisions (Alembic's nextrev)
    dependents = EMPTY,  -- everything naming us as down_revision or depends_on
    _idx = 0, _topo = 0, _all_down = false, _norm_down = false,
    _norm_next = EMPTY,  -- with depends_on: nodes (not ids) naming us in _norm_down
  }, Node)
  if labels ~= nil then node.own_branch_labels = to_list(labels) end
  if deps ~= nil then node.declared_depends_on = to_list(deps) end
  if down == id or (type(down) == "table" and contains(down, id)) then
    fail("Self-loop is detected in revisions (%s)", id)
  end
  if deps ~= nil and contains(node.declared_depends_on, id) then
    fail("Dependency self-loop is detected in revisions (%s)", id)
  end
  return node, labels ~= nil, deps ~= nil
end

-- branch labels share the namespace of revision ids (_map_branch_labels);
-- `labelled`: the revisions that declare labels, in map order
local function map_branch_labels(self, labelled)
  for _, n in ipairs(labelled) do
    for _, label in ipairs(n.own_branch_labels) do
      local other = self._nodes[label] or self._labels[label]
      if other then
        fail("Branch name '%s' in revision %s already used by revision %s",
          label, n.revision, other.revision)
      end
      self._labels[label] = n
    end
  end
end

-- The ids node n depends on (depends_on may name a revision or a label),
-- without repeats; set as n.depends_on.
local function resolve_depends_on(self, n)
  local deps = {}
  for _, dep in ipairs(n.declared_depends_on) do
    local target = self._nodes[dep] or self._labels[dep]
    if not target then
      fail("revision %s%s: depends_on names '%s', which is not a revision or branch label",
        n.revision, where(n), dep)
    end
    deps[#deps + 1] = target.revision
  end
  deps = to_list(deps)
  n.depends_on = deps
  return deps
end

-- n's down_revisions and then its depends_on, without repeats
local function parents_with_deps(downs, deps)
  local all = to_list(downs)
  for _, d in ipairs(deps) do all[#all + 1] = d end
  return to_list(all)
end

-- n in the children (down_revisions) and dependents (every parent) of its
-- parents `all`. Children lists come out in map order because _link walks
-- in map order. Without any depends_on, a revision's dependents are its
-- children: one list (shared_dependents).
local function link_to_parents(nodes, n, all, shared_dependents)
  local id, downs = n.revision, n.down_revisions
  for j = 1, #all do
    local d = all[j]
    local p = nodes[d]
    if not p then  -- a down_revision: depends_on was checked before
      fail("Revision %s referenced from %s%s is not present", d, id, where(n))
    end
    if all == downs or contains(downs, d) then
      local children = p.children
      if children == EMPTY then
        children = {}
        p.children = children
        if shared_dependents then p.dependents = children end
      end
      children[#children + 1] = id
    end
    if not shared_dependents then append(p, "dependents", id) end
  end
end

-- Link parents to children and find bases. Revisions without depends_on
-- get their _norm_down here. Returns, by _idx, how many parents each
-- revision has, and the revisions with depends_on.
local function link(self, any_deps)
  local nodes, order = self._nodes, self._order
  local bases, real_bases, n_parents, with_deps = {}, {}, {}, {}
  for i = 1, #order do
    local n = order[i]
    local id, downs = n.revision, n.down_revisions
    local declared = any_deps and n.declared_depends_on or EMPTY
    local all = downs                     -- internal, never mutated
    if #declared > 0 then
      local deps = resolve_depends_on(self, n)
      if #deps > 0 then
        self._has_deps = true
        all = parents_with_deps(downs, deps)
      end
    end
    n._all_down = all
    link_to_parents(nodes, n, all, not any_deps)
    n_parents[i] = #all
    local n_downs = #downs
    if n_downs > 1 then n.is_merge_point = true end
    if n_downs == 0 then
      n.is_base = true
      bases[#bases + 1] = id
      if #declared == 0 then real_bases[#real_bases + 1] = id end
    end
    if #declared == 0 then
      n._norm_down = downs
      if any_deps then
        for j = 1, n_downs do append(nodes[downs[j]], "_norm_next", n) end
      end
    else
      with_deps[#with_deps + 1] = n
    end
  end
  self._bases, self._real_bases = bases, real_bases
  return n_parents, with_deps
end

-- Heads (in map order), and the flags that need every child linked.
local function find_heads(self)
  local heads, real_heads, order = {}, {}, self._order
  for i = 1, #order do
    local n = order[i]
    local n_children = #n.children
    if n_children == 0 then heads[#heads + 1] = n; n.is_head = true end
    if #n.dependents == 0 then real_heads[#real_heads + 1] = n end
    if n_children > 1 then n.is_branch_point = true end
  end
  self._heads, self._real_heads = ids_of(heads), ids_of(real_heads)
end

-- Kahn's algorithm over every edge (down_revisions and depends_on), from
-- the bases up.  It numbers the revisions in a topological order (_topo: a
-- revision's ancestors all have smaller numbers) and, visiting each once,
-- does the work of find_heads.  Returns false, leaving that work undone,
-- when some revision is on or above a cycle.
local function number_topologically(self, n_parents)
  local nodes, order = self._nodes, self._order
  local queue, heads, real_heads = {}, {}, {}
  for i = 1, #order do
    if n_parents[i] == 0 then queue[#queue + 1] = order[i] end
  end
  local pos = 1
  while pos <= #queue do
    local n = queue[pos]
    n._topo = pos
    pos = pos + 1
    local n_children, up = #n.children, n.dependents
    if n_children == 0 then heads[#heads + 1] = n; n.is_head = true end
    if #up == 0 then real_heads[#real_heads + 1] = n end
    if n_children > 1 then n.is_branch_point = true end
    for j = 1, #up do
      local c = nodes[up[j]]
      local left = n_parents[c._idx] - 1
      n_parents[c._idx] = left
      if left == 0 then queue[#queue + 1] = c end
    end
  end
  if #queue < #order then return false end
  table.sort(heads, by_map_order)
  table.sort(real_heads, by_map_order)
  self._heads, self._real_heads = ids_of(heads), ids_of(real_heads)
  return true
end

-- _detect_cycles: every revision must lie between a head and a base, first
-- along down_revision only, then with depends_on too.  An acyclic graph
-- always passes, so this runs only when the numbering found a cycle (and,
-- like Alembic, does not see every cycle).
local function detect_cycles(self)
  if #self._order == 0 then return end
  local function check(kind, heads, bases, down, up)
    if #heads == 0 or #bases == 0 then
      fail("%s is detected in revisions (%s)", kind, table.concat(ids_of(self._order), ", "))
    end
    local from_heads = self:_walk_related(self:_nodes_of(heads), down)
    local from_bases = self:_walk_related(self:_nodes_of(bases), up)
    local lost = {}
    for _, n in ipairs(self._order) do
      if not (from_heads[n] and from_bases[n]) then lost[#lost + 1] = n.revision end
    end
    if #lost > 0 then
      fail("%s is detected in revisions (%s)", kind, table.concat(lost, ", "))
    end
  end
  check("Cycle", self._heads, self._bases, "down_revisions", "children")
  if not self._has_deps then return end  -- same graph, same answer
  check("Dependency cycle", self._real_heads, self._real_bases, "_all_down", "dependents")
end

-- _normalize_depends_on: drop a dependency that an ancestor already has, so
-- the step of a revision does not also "merge" rows its ancestors merged.
-- (link did this for the revisions without depends_on.)
local function normalize_depends_on(self, with_deps)
  local nodes = self._nodes
  for _, n in ipairs(with_deps) do
    local drop = {}
    local _, ancestors = self:_ancestors({ n }, { include_deps = false })
    for _, a in ipairs(ancestors) do
      if a ~= n then
        for _, d in ipairs(a.depends_on) do drop[d] = true end
      end
    end
    local down = to_list(n.down_revisions)
    for _, d in ipairs(n.depends_on) do
      if not drop[d] then down[#down + 1] = d end
    end
    down = to_list(down)
    n._norm_down = down
    for i = 1, #down do append(nodes[down[i]], "_norm_next", n) end
  end
end

-- _add_branches: a label spreads to every descendant (so a merge inherits
-- it), and, from the last descendant visited, down the chain of ancestors
-- until a branch point or merge point.  Only revisions reached from a
-- labelled one change: the others keep their empty branch_labels.
local function add_branches(self, labelled)
  local label_sets = setmetatable({}, { __index = function(t, n)
    local s = {}; t[n] = s; return s end })
  for _, n in ipairs(labelled) do
    for _, l in ipairs(n.own_branch_labels) do label_sets[n][l] = true end
  end
  for _, rev in ipairs(labelled) do
    -- like Alembic, spread the labels the revision has by now
    local labels = {}
    for l in pairs(label_sets[rev]) do labels[#labels + 1] = l end
    local _, desc = self:_descendants({ rev }, { include_deps = false })
    for _, d in ipairs(desc) do
      for _, l in ipairs(labels) do label_sets[d][l] = true end
    end
    -- Alembic walks down from the *last* descendant its loop visited
    local parent = desc[#desc]
    while parent and #parent.dependents <= 1 and #parent.down_revisions <= 1 do
      for _, l in ipairs(labels) do label_sets[parent][l] = true end
      local down = parent.down_revisions[1]
      if not down then break end
      parent = self._nodes[down]
    end
  end
  for n, s in pairs(label_sets) do
    local list = {}
    for l in pairs(s) do list[#list + 1] = l end
    table.sort(list)
    n.branch_labels, n._label_set = list, s
  end
end

-- The nodes of the revisions in map order (by id), the nodes by id, the
-- labelled ones (in map order) and whether any declares depends_on.
local function make_nodes(revisions)
  local list, by_id, labelled, dup, any_deps = {}, {}, {}, nil, false
  local ids = valid_ids(revisions)
  for i, src in ipairs(revisions) do
    local n, has_labels, has_deps = make_node(src, ids[i])
    list[i] = n
    local id = n.revision
    local prev = by_id[id]
    if prev then dup = dup or { prev, n } else by_id[id] = n end
    if has_labels and #n.own_branch_labels > 0 then labelled[#labelled + 1] = n end
    if has_deps and #n.declared_depends_on > 0 then any_deps = true end
  end
  if dup then
    fail("duplicate revision id %s in %s and %s", dup[2].revision,
      dup[1].path or "?", dup[2].path or "?")
  end
  local sorted = true
  for i = 1, #list do
    local n = list[i]
    n._idx = i
    if sorted and i > 1 and list[i - 1].revision > n.revision then sorted = false end
  end
  if not sorted then
    table.sort(list, function(a, b) return a.revision < b.revision end)
    for i, n in ipairs(list) do n._idx = i end
    table.sort(labelled, by_map_order)
  end
  return list, by_id, labelled, any_deps
end

--- Build the graph from revision tables as loaded from files.
function M.new(revisions)
  assert(type(revisions) == "table", "revmap.new: expected an array of revisions")
  local list, by_id, labelled, any_deps = make_nodes(revisions)
  local self = setmetatable({ _nodes = by_id, _order = list, _labels = {}, _revisions = revisions }, Map)
  map_branch_labels(self, labelled)
  local n_parents, with_deps = link(self, any_deps)
  self._acyclic = number_topologically(self, n_parents)
  if not self._acyclic then
    find_heads(self)
    detect_cycles(self)
  end
  normalize_depends_on(self, with_deps)
  add_branches(self, labelled)
  return self
end

return M
