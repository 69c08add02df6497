-- luamig.revmap — the revision graph.
--
-- A faithful port of Alembic 1.8's alembic.script.revision.RevisionMap and of
-- the version-table bookkeeping of alembic.runtime.migration (HeadMaintainer,
-- RevisionStep, StampStep), so that luamig resolves targets, orders steps
-- and keeps one row per head exactly as an Alembic user expects.
--
-- Pure: takes tables, returns tables, no I/O, no other luamig module but
-- luamig.core's checks of a snapshot's columns (pure too, in C for speed).
--
-- Order.  Alembic orders its map by the order in which os.listdir() returned
-- the files, i.e. by accident.  We order it by revision id instead, so every
-- list here is deterministic; where Alembic's result depends on that map
-- order (heads, step order between independent branches) ours is what
-- Alembic gives when the files are listed in id order.  Where Alembic
-- iterates a Python set (which row of a merge is UPDATEd and which DELETEd,
-- the order of several depends_on) we use the declared order.
--
-- Errors.  Graph-walking code raises typed error objects (the RevisionError
-- family of Alembic); the public methods turn them into the one-line
-- messages Alembic's command layer prints (ScriptDirectory's
-- _catch_revision_errors), raised with error(msg, 0).

local core = require("luamig.core")

local M = {}

---------------------------------------------------------------------------
-- Small helpers
---------------------------------------------------------------------------

local BASE = setmetatable({}, { __tostring = function() return "base" end })
M.BASE = BASE  -- the "<base>" position a downward walk can end on

local function fail(fmt, ...)
  error(fmt:format(...), 0)
end

local find = string.find

local function contains(list, x)
  for i = 1, #list do if list[i] == x then return true end end
  return false
end

-- nil | "x" | {"x", "y"} -> a fresh array without repeats (lists here are
-- short: parents, labels; so a linear scan beats a set)
local function to_list(v)
  if v == nil then return {} end
  if type(v) ~= "table" then return { v } end
  local out, n = {}, 0
  for i = 1, #v do
    local x = v[i]
    if not contains(out, x) then n = n + 1; out[n] = x end
  end
  return out
end

local function copy(list) return table.move(list, 1, #list, 1, {}) end

local function set_of(list)
  local s = {}
  for _, x in ipairs(list) do s[x] = true end
  return s
end

local function ids_of(nodes)
  local out = {}
  for i, n in ipairs(nodes) do out[i] = n.revision end
  return out
end

local function by_map_order(a, b) return a._idx < b._idx end

-- set of nodes -> array in map order
local function sorted_nodes(set)
  local out = {}
  for n in pairs(set) do out[#out + 1] = n end
  table.sort(out, by_map_order)
  return out
end

local function is_node(x) return type(x) == "table" and x.revision ~= nil end

---------------------------------------------------------------------------
-- Typed errors (Alembic's RevisionError family) and their translation
---------------------------------------------------------------------------

local RevError = {}
RevError.__index = RevError
RevError.__tostring = function(e) return e.msg end

local function raise(kind, msg, fields)
  local e = setmetatable(fields or {}, RevError)
  e.kind, e.msg = kind, msg
  error(e, 0)
end

local function revision_error(msg) raise("revision", msg) end

local function fmt_ids(v)
  if type(v) == "table" then
    if is_node(v) then return v.revision end
    local parts = {}
    for i, x in ipairs(v) do parts[i] = is_node(x) and x.revision or tostring(x) end
    return table.concat(parts, ", ")
  end
  return v == nil and "base" or tostring(v)
end

local MULTIPLE_HEADS = "Multiple head revisions are present for given argument "
  .. "'%s'; please specify a specific target revision, '<branchname>@%s' to "
  .. "narrow to a specific head, or 'heads' for all heads"

-- ctx: { ancestor = fmt with %{start} %{end}, start, end_, multiple_heads }
local function translate(err, ctx)
  if getmetatable(err) ~= RevError then return err end
  if err.kind == "range" then
    local start = ctx.start or err.lower
    local end_ = ctx.end_ or err.upper
    local tmpl = ctx.ancestor or "Requested range %{start}:%{end} does not refer "
      .. "to ancestor/descendant revisions along the same branch"
    -- a table replacement: a '%' in a target the user typed stays literal
    return (tmpl:gsub("%%{(%a+)}", { start = fmt_ids(start), ["end"] = fmt_ids(end_) }))
  elseif err.kind == "multiple_heads" then
    local present = " (heads: " .. table.concat(err.heads, ", ") .. ")"
    if ctx.multiple_heads then return ctx.multiple_heads .. present end
    local arg = ctx.end_ or err.argument
    return MULTIPLE_HEADS:format(arg, arg) .. present
  elseif err.kind == "resolution" then
    -- Alembic prints only the first sentence; we keep the reason when it
    -- helps (an ambiguous prefix lists its candidates).
    local msg = ("Can't locate revision identified by '%s'"):format(err.argument)
    if err.detail then msg = msg .. "; " .. err.detail end
    return msg
  end
  return err.msg
end

-- run fn(...) and turn a typed error into Alembic's command-level message
local function guarded(ctx, fn, ...)
  local res = table.pack(pcall(fn, ...))
  if res[1] then return table.unpack(res, 2, res.n) end
  error(translate(res[2], ctx), 0)
end

---------------------------------------------------------------------------
-- Building the map
---------------------------------------------------------------------------

local Map = {}
Map.__index = Map

local function where(node)
  return node.path and (" (" .. node.path .. ")") or ""
end

-- internal lists that are usually empty share this one (read-only)
local EMPTY = setmetatable({}, { __newindex = function() error("read-only", 2) end })

-- What a node holds unless it says otherwise: most revisions have no
-- labels, no depends_on and none of the flags, so these stay out of the
-- node (a smaller table: building ten thousand of them is most of the
-- map's cost) and are set only where they differ.
local Node = { __index = {
  own_branch_labels = EMPTY, declared_depends_on = EMPTY, depends_on = EMPTY,
  branch_labels = EMPTY, _label_set = EMPTY, _norm_next = EMPTY,
  is_head = false, is_base = false, is_branch_point = false, is_merge_point = false,
} }

-- appends x to the list node[field], which may still be the shared EMPTY
local function append(node, field, x)
  local list = node[field]
  if list == EMPTY then list = {}; node[field] = list end
  list[#list + 1] = x
end

-- The rule for a branch label, as for ids used by the reader and, through
-- it, every writer: not empty, and no '@', which ends a label in a target
-- ("label@head"), so a label holding one could never be named.
function M.label_problem(label)
  if label == "" then return "a branch label must not be empty" end
  if find(label, "@", 1, true) then
    return ("Character '@' not allowed in branch label '%s'"):format(label)
  end
end

-- The map with one more revision `src` (a revision file's table), built
-- anew: a writer checks a new file by the reader's own graph rules (an id
-- or a label taken, a parent missing) before writing it. Raises as M.new.
function Map:with(src)
  local revisions = {}
  for i, n in ipairs(self._order) do
    revisions[i] = { revision = n.revision, down_revision = n.down_revisions, path = n.path,
                     branch_labels = n.own_branch_labels, depends_on = n.declared_depends_on }
  end
  revisions[#revisions + 1] = src
  return M.new(revisions)
end

-- The rule for a revision id, used by the reader of revision files and by
-- every command that writes one: the characters Alembic reserves for
-- target syntax (+ - @) first, with Alembic's message; then letters,
-- digits and _ only (no space, quote or ':' of a range); then at most 32
-- bytes, the width of the version table's version_num. Returns the
-- problem with `id` as one line, or nil.
local MAX_ID = 32

function M.id_problem(id)
  local plain = find(id, "^[%w_]+$")
  if plain and #id <= MAX_ID then return nil end
  local reserved = {}
  for _, c in ipairs { "+", "-", "@" } do
    if find(id, c, 1, true) then reserved[#reserved + 1] = c end
  end
  if #reserved > 0 then
    return ("Character(s) '%s' not allowed in revision identifier '%s'"):format(table.concat(reserved, ", "), id)
  end
  if not plain then
    return ("revision identifier %s may hold only letters, digits and _"):format((("%q"):format(id):gsub("\\\n", "\\n")))
  end
  return ("revision identifier '%s' is longer than %d characters (the version table's version_num is varchar(%d))")
    :format(id, MAX_ID, MAX_ID)
end

-- The ids of the revisions, each a non-empty string that M.id_problem
-- lets through.
local function valid_ids(revisions)
  local ids = {}
  for i, src in ipairs(revisions) do
    local id = type(src) == "table" and src.revision
    if type(id) ~= "string" or id == "" then
      fail("revision #%d%s: 'revision' must be a non-empty string", i,
        type(src) == "table" and src.path and (" (" .. src.path .. ")") or "")
    end
    local problem = M.id_problem(id)
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

-- Iterative depth-first walk, a port of _iterate_related_revisions: same
-- stack discipline, so the visiting order (which _add_branches relies on)
-- matches Alembic's up to the order of sets.  `field` names the edges: an
-- array of ids on each node (down_revisions, children, _norm_down, ...).
-- With check, raises when one target reaches another ("overlaps").
-- Returns the set of nodes reached and the same nodes in visiting order.
function Map:_walk_related(targets, field, check)
  local nodes = self._nodes
  local seen, order, n_order = {}, {}, 0
  local target_set = check and set_of(targets) or nil
  local stack = {}
  for _, t in ipairs(targets) do
    if is_node(t) then
      -- the other targets this one reaches (through revisions not yet seen)
      local overlaps = check and {} or nil
      local top = 1
      stack[1] = t
      while top > 0 do
        local rev = stack[top]
        stack[top] = nil
        top = top - 1
        if check and rev ~= t and target_set[rev] then overlaps[rev] = true end
        if not seen[rev] then
          seen[rev] = true
          n_order = n_order + 1
          order[n_order] = rev
          local edges = rev[field]
          for i = 1, #edges do
            local m = nodes[edges[i]]
            if not seen[m] then
              top = top + 1
              stack[top] = m
            elseif check and m ~= t and target_set[m] then
              overlaps[m] = true  -- what popping it again would have noted
            end
          end
        end
      end
      if check and next(overlaps) then
        revision_error(("Requested revision %s overlaps with other requested revisions %s")
          :format(t.revision, fmt_ids(ids_of(sorted_nodes(overlaps)))))
      end
    end
  end
  return seen, order
end

-- ancestors (self included); with deps by default, like Alembic
function Map:_ancestors(targets, include_deps, check)
  return self:_walk_related(targets, include_deps == false and "down_revisions" or "_norm_down", check)
end

-- descendants (self included); with deps by default, like Alembic
function Map:_descendants(targets, include_deps, check)
  return self:_walk_related(targets, include_deps == false and "children" or "dependents", check)
end

-- branch labels share the namespace of revision ids (_map_branch_labels);
-- `labelled`: the revisions that declare labels, in map order
function Map:_map_branch_labels(labelled)
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

-- Link parents to children (depends_on may name a revision or a label),
-- and find bases.  Children lists come out in map order because we walk in
-- map order.  Revisions without depends_on get their _norm_down here.
-- Returns, by _idx, how many parents each revision has, and the revisions
-- with depends_on.
function Map:_link(any_deps)
  local nodes, labels, order = self._nodes, self._labels, self._order
  local bases, real_bases, n_parents, with_deps = {}, {}, {}, {}
  -- without any depends_on, a revision's dependents are its children: one list
  local shared_dependents = not any_deps
  for i = 1, #order do
    local n = order[i]
    local id, downs = n.revision, n.down_revisions
    local declared = any_deps and n.declared_depends_on or EMPTY
    local deps = EMPTY
    if #declared > 0 then
      deps = {}
      for _, dep in ipairs(declared) do
        local target = nodes[dep] or labels[dep]
        if not target then
          fail("revision %s%s: depends_on names '%s', which is not a revision or branch label",
            id, where(n), dep)
        end
        deps[#deps + 1] = target.revision
      end
      deps = to_list(deps)
      n.depends_on = deps
    end
    local all = downs                     -- internal, never mutated
    if #deps > 0 then
      self._has_deps = true
      all = to_list(downs)
      for _, d in ipairs(deps) do all[#all + 1] = d end
      all = to_list(all)
    end
    n._all_down = all
    local n_downs = #downs
    for j = 1, #all do
      local d = all[j]
      local p = nodes[d]
      if not p then  -- a down_revision: depends_on was checked above
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
    n_parents[i] = #all
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
function Map:_find_heads()
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
-- does the work of _find_heads.  Returns false, leaving that work undone,
-- when some revision is on or above a cycle.
function Map:_number_topologically(n_parents)
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
function Map:_detect_cycles()
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
-- (_link did this for the revisions without depends_on.)
function Map:_normalize_depends_on(with_deps)
  local nodes = self._nodes
  for _, n in ipairs(with_deps) do
    local drop = {}
    local _, ancestors = self:_ancestors({ n }, false)
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
function Map:_add_branches(labelled)
  local label_sets = setmetatable({}, { __index = function(t, n)
    local s = {}; t[n] = s; return s end })
  for _, n in ipairs(labelled) do
    for _, l in ipairs(n.own_branch_labels) do label_sets[n][l] = true end
  end
  for _, rev in ipairs(labelled) do
    -- like Alembic, spread the labels the revision has by now
    local labels = {}
    for l in pairs(label_sets[rev]) do labels[#labels + 1] = l end
    local _, desc = self:_descendants({ rev }, false)
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

function Map:_nodes_of(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = self._nodes[id] end
  return out
end

--- Build the graph from revision tables as loaded from files.
function M.new(revisions)
  assert(type(revisions) == "table", "revmap.new: expected an array of revisions")
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
  local self = setmetatable({ _nodes = by_id, _order = list, _labels = {}, _revisions = revisions,
    _anc_cache = setmetatable({}, { __mode = "k" }) }, Map)
  self:_map_branch_labels(labelled)
  local n_parents, with_deps = self:_link(any_deps)
  self._acyclic = self:_number_topologically(n_parents)
  if not self._acyclic then
    self:_find_heads()
    self:_detect_cycles()
  end
  self:_normalize_depends_on(with_deps)
  self:_add_branches(labelled)
  return self
end

---------------------------------------------------------------------------
-- Snapshots: the built map as data, so that a cache (the revision index)
-- can keep it beside the revisions it was built from and a later run can
-- skip building it. Building is most of the time of `heads` or `history`
-- over ten thousand revisions; restoring is a table per node and its lists.
---------------------------------------------------------------------------

-- Changes whenever the fields of a node or of the map change meaning.
M.SNAPSHOT_VERSION = 4

-- The snapshot is columns, one array per field in map order, holding only
-- what restore cannot work out: a node refers to another by its position,
-- so a reference is checked as a number in range, and children,
-- dependents, flags, heads and bases are derived again from the parents
-- (as _link derives them), so they need no check. What only labels and
-- depends_on bring is kept per node that has any, in `extras`:
--   { version, acyclic, has_deps, labels = { label = id },
--     ids, messages, paths (false for none), topo,
--     down_counts, downs (the positions of every node's parents, one run
--       of down_counts[i] each),
--     extra_at (positions), extras (of those nodes: own_branch_labels,
--       declared_depends_on, depends_on, branch_labels, _label_set,
--       _norm_down; ids),
--     sources, history (positions, or false) }
local EXTRA_IDS = { "depends_on", "_norm_down" }
local EXTRA_NAMES = { "own_branch_labels", "declared_depends_on", "branch_labels", "_label_set" }

-- what node n holds beyond its parents, or nil
local function extra_of(n)
  local out
  for _, key in ipairs { "own_branch_labels", "declared_depends_on", "depends_on", "branch_labels" } do
    local v = rawget(n, key)
    if v ~= nil then out = out or {}; out[key] = copy(v) end
  end
  if rawget(n, "_label_set") ~= nil then
    local labels = {}
    for l in pairs(n._label_set) do labels[#labels + 1] = l end
    table.sort(labels)
    out = out or {}
    out._label_set = labels
  end
  if n._norm_down ~= n.down_revisions then out = out or {}; out._norm_down = copy(n._norm_down) end
  return out
end

--- The map as plain data (arrays of strings, integers, booleans), for
--- restore(); of a map built by new().
function Map:snapshot()
  assert(self._revisions, "revmap: snapshot of a map not built by new()")
  local position, sources, identity = {}, {}, true
  for k, src in ipairs(self._revisions) do position[src] = k end
  local order = self._order
  local ids, messages, paths, topo, down_counts, downs, extra_at, extras = {}, {}, {}, {}, {}, {}, {}, {}
  for i, n in ipairs(order) do
    sources[i] = position[n.source]
    if sources[i] ~= i then identity = false end
    ids[i], messages[i], paths[i], topo[i] = n.revision, n.message or false, n.path or false, n._topo
    local parents = n.down_revisions
    down_counts[i] = #parents
    for j = 1, #parents do downs[#downs + 1] = self._nodes[parents[j]]._idx end
    local extra = extra_of(n)
    if extra then extra_at[#extra_at + 1] = i; extras[#extras + 1] = extra end
  end
  local labels = {}
  for label, n in pairs(self._labels) do labels[label] = n.revision end
  -- a graph whose history cannot be walked keeps failing when it is asked for
  local ok, full = pcall(self._full_history, self)
  local history = ok and {}
  for i, n in ipairs(ok and full or {}) do history[i] = n._idx end
  return { version = M.SNAPSHOT_VERSION, acyclic = self._acyclic, has_deps = self._has_deps == true,
    labels = labels, ids = ids, messages = messages, paths = paths, topo = topo, down_counts = down_counts,
    downs = downs, extra_at = extra_at, extras = extras, sources = not identity and sources,
    history = history }
end

-- Checks of snapshot data, which comes from a file. Those of a column
-- (every node's entry) are core.index_column and core.index_parents.

-- a list of strings (read as 1..#v, as every list here is: other keys in
-- it are never looked at), each a key of ids when ids is given
local function is_strings(v, ids)
  if type(v) ~= "table" then return false end
  for i = 1, #v do
    local x = v[i]
    if type(x) ~= "string" or ids and not ids[x] then return false end
  end
  return true
end

-- Whether the extras of the snapshot name only its nodes (position by
-- id), at strictly increasing positions.
local function are_extras(data, n, position)
  local at, extras, topo, acyclic = data.extra_at, data.extras, data.topo, data.acyclic
  if not core.index_column(at, #at, "integers", 1, n) or type(extras) ~= "table" or #extras ~= #at then
    return false
  end
  for k = 1, #at do
    local i, extra = at[k], extras[k]
    if k > 1 and at[k - 1] >= i or type(extra) ~= "table" then return false end
    for _, key in ipairs(EXTRA_NAMES) do
      local v = extra[key]
      if v ~= nil and not is_strings(v) then return false end
    end
    for _, key in ipairs(EXTRA_IDS) do
      local v = extra[key]
      if v ~= nil then
        if not is_strings(v, position) then return false end
        for j = 1, #v do
          local p = position[v[j]]
          if p == i or acyclic and topo[p] >= topo[i] then return false end
        end
      end
    end
  end
  return true
end

-- the snapshots this run checked (restore is handed what revindex checked)
local checked = setmetatable({}, { __mode = "k" })

--- Whether data (read from a file: anything) is a snapshot this version
--- of revmap can restore: of this version, every field of its kind, every
--- node it names one of its nodes, positions within its nodes.
function M.is_snapshot(data)
  if checked[data] then return true end
  if type(data) ~= "table" or data.version ~= M.SNAPSHOT_VERSION or type(data.acyclic) ~= "boolean"
    or type(data.has_deps) ~= "boolean" or type(data.labels) ~= "table" or type(data.ids) ~= "table"
    or type(data.extra_at) ~= "table" then
    return false
  end
  local ids, column = data.ids, core.index_column
  local n = #ids
  -- ids in map order, which is by id: so no id twice
  if not (column(ids, n, "ids") and column(data.messages, n, "names") and column(data.paths, n, "names")
    and column(data.topo, n, "integers", math.mininteger, math.maxinteger)
    and column(data.down_counts, n, "integers", 0, n)
    and core.index_parents(data.down_counts, data.downs, data.topo, n, data.acyclic)) then
    return false
  end
  if #data.extra_at > 0 or next(data.labels) ~= nil then
    local position = {}
    for i = 1, n do position[ids[i]] = i end
    if not are_extras(data, n, position) then return false end
    for label, id in next, data.labels do
      if type(label) ~= "string" or not position[id] then return false end
    end
  elseif type(data.extras) ~= "table" then
    return false
  end
  if data.sources ~= false and not column(data.sources, n, "positions") then return false end
  if data.history ~= false and not column(data.history, n, "positions") then return false end
  checked[data] = true
  return true
end

-- p's list field (maybe still the shared EMPTY) with id appended
local function appended(list, id)
  if list == EMPTY then return { id } end
  list[#list + 1] = id
  return list
end

-- The parents of a snapshot's node as a list of ids: `count` positions
-- in `downs` from `at` (EMPTY for none).
local function snapshot_parents(ids, downs, at, count)
  if count == 0 then return EMPTY end
  if count == 1 then return { ids[downs[at]] } end
  local parents = {}
  for j = 1, count do parents[j] = ids[downs[at + j - 1]] end
  return parents
end

--- The map a snapshot describes. source_at(k) gives the k-th of the
--- revisions it was taken from, when a node's is first asked for
--- (Map:source): a command reading only the graph makes no table per
--- revision file. rebase(path), when given, says where each file is
--- reached now. Nil when the data is not a snapshot of this version.
function M.restore(snap, source_at, rebase)
  if not M.is_snapshot(snap) then return nil end
  local ids, messages, paths, topo, counts, downs = snap.ids, snap.messages, snap.paths, snap.topo,
    snap.down_counts, snap.downs
  local has_deps = snap.has_deps or nil
  local list, by_id, at = {}, {}, 1
  for i = 1, #ids do
    local count = counts[i]
    local parents = snapshot_parents(ids, downs, at, count)
    at = at + count
    local path = paths[i] or nil
    if rebase and path then path = rebase(path) end
    local id = ids[i]
    -- ten fields: the table gets room for sixteen, so the few set later
    -- (flags, source, labels) need no rehash; the rest default through Node
    local n = setmetatable({ revision = id, down_revisions = parents, message = messages[i] or nil,
      path = path, children = EMPTY, dependents = EMPTY, _idx = i, _topo = topo[i],
      _all_down = parents, _norm_down = parents }, Node)
    if count == 0 then n.is_base = true elseif count > 1 then n.is_merge_point = true end
    list[i] = n
    by_id[id] = n
  end
  local extra_at, extras, with_deps = snap.extra_at, snap.extras, {}
  for k = 1, #extra_at do
    local n, extra = list[extra_at[k]], extras[k]
    for _, key in ipairs(EXTRA_NAMES) do
      if extra[key] then n[key] = copy(extra[key]) end
    end
    if extra._label_set then n._label_set = set_of(extra._label_set) end
    if extra._norm_down then n._norm_down = copy(extra._norm_down) end
    local deps = extra.depends_on
    if deps then
      n.depends_on = copy(deps)
      if #deps > 0 then n._all_down = to_list(table.move(deps, 1, #deps, #n.down_revisions + 1, copy(n.down_revisions))) end
    end
    if #n.declared_depends_on > 0 then with_deps[#with_deps + 1] = n end
  end
  -- what _link and _normalize_depends_on derive, in their order
  local heads, real_heads, bases, real_bases = {}, {}, {}, {}
  for i = 1, #list do
    local n = list[i]
    local id, parents = n.revision, n.down_revisions
    for j = 1, #parents do
      local p = by_id[parents[j]]
      local children = p.children
      if children == EMPTY then
        children = { id }
        p.children = children
        if not has_deps then p.dependents = children end
      else
        children[#children + 1] = id
        p.is_branch_point = true
      end
    end
    if has_deps then
      local all = n._all_down
      for j = 1, #all do
        local p = by_id[all[j]]
        p.dependents = appended(p.dependents, id)
      end
      if #n.declared_depends_on == 0 then
        for j = 1, #parents do
          local p = by_id[parents[j]]
          p._norm_next = appended(p._norm_next, n)
        end
      end
    end
    if #parents == 0 then
      bases[#bases + 1] = id
      if #n.declared_depends_on == 0 then real_bases[#real_bases + 1] = id end
    end
  end
  for _, n in ipairs(with_deps) do
    local norm = n._norm_down
    for j = 1, #norm do
      local p = by_id[norm[j]]
      p._norm_next = appended(p._norm_next, n)
    end
  end
  for i = 1, #list do
    local n = list[i]
    if n.children == EMPTY then
      n.is_head = true
      heads[#heads + 1] = n.revision
    end
    if #n.dependents == 0 then real_heads[#real_heads + 1] = n.revision end
  end
  local labels = {}
  for label, id in pairs(snap.labels) do labels[label] = by_id[id] end
  local history = snap.history and {} or nil
  for i = 1, history and #snap.history or 0 do history[i] = list[snap.history[i]] end
  return setmetatable({ _nodes = by_id, _order = list, _labels = labels,
    _source_at = source_at, _source_positions = snap.sources or nil, _history = history,
    _acyclic = snap.acyclic, _has_deps = has_deps,
    _heads = heads, _real_heads = real_heads, _bases = bases, _real_bases = real_bases,
    _anc_cache = setmetatable({}, { __mode = "k" }) }, Map)
end

--- The revision table behind a node (what its file returned): upgrade,
--- downgrade, transaction, checksum.
function Map:source(node)
  local src = node.source
  if not src then
    local positions = self._source_positions
    src = self._source_at(positions and positions[node._idx] or node._idx)
    node.source = src
  end
  return src
end

-- a list of a snapshot, as a revision file would give it
local function declared(v)
  if not v or #v == 0 then return nil end
  if #v == 1 then return v[1] end
  return copy(v)
end

--- The graph fields of the revisions a snapshot was taken from, in their
--- order: { revision, down_revision, branch_labels, depends_on, message,
--- path } each.
function M.snapshot_revisions(snap)
  local out, positions, ids, counts, downs = {}, snap.sources or nil, snap.ids, snap.down_counts, snap.downs
  local extra_of_node = {}
  for k, i in ipairs(snap.extra_at) do extra_of_node[i] = snap.extras[k] end
  local at = 1
  for i = 1, #ids do
    local count = counts[i]
    local parents = snapshot_parents(ids, downs, at, count)
    local down = count == 1 and parents[1] or (count > 1 and parents or nil)
    at = at + count
    local extra = extra_of_node[i] or EMPTY
    out[positions and positions[i] or i] = {
      revision = ids[i], down_revision = down, branch_labels = declared(extra.own_branch_labels),
      depends_on = declared(extra.declared_depends_on), message = snap.messages[i] or nil,
      path = snap.paths[i] or nil }
  end
  return out
end

---------------------------------------------------------------------------
-- Resolving identifiers (ports of get_revisions, get_revision,
-- _resolve_revision_number, _revision_for_ident, filter_for_lineage)
---------------------------------------------------------------------------

-- Python's int(): optional sign and digits, surrounding blanks allowed
local function as_int(s)
  local num = type(s) == "string" and s:match("^%s*([+-]?%d+)%s*$")
  return num and math.tointeger(tonumber(num)) or nil
end

-- _relative_destination = r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)" used with
-- re.match: anchored at the start only.  Returns label, symbol, relative
-- text, or nil when the target is not relative.
local function parse_relative(target)
  local function rest(r)
    local symbol, rel = r:match("^([%w_]*)([+-]%d+)")
    if not rel then return nil end
    return symbol ~= "" and symbol or nil, rel
  end
  local at = 1
  while true do
    at = target:find("@", at + 1, true)
    if not at then break end
    local symbol, rel = rest(target:sub(at + 1))
    if rel then return target:sub(1, at - 1), symbol, rel end
  end
  local symbol, rel = rest(target)
  if rel then return nil, symbol, rel end
  return nil
end

-- -> ids (array; empty for base), branch label or nil
function Map:_resolve_revision_number(id)
  local label
  if type(id) == "string" and id:find("@", 1, true) then
    label, id = id:match("^(.-)@(.*)$")
    if label == "" then label = nil end  -- Python: an empty label is falsy
  end
  if id == "heads" then
    if label then return ids_of(self:filter_for_lineage(self:_nodes_of(self._heads), label)), label end
    return to_list(self._real_heads), label
  elseif id == "head" then
    local h = self:get_current_head(label)
    return h and { h } or {}, label
  elseif id == "base" or id == nil then
    return {}, label
  end
  return { id }, label
end

function Map:get_current_head(label)
  local heads = self._heads
  if label then heads = ids_of(self:filter_for_lineage(self:_nodes_of(heads), label)) end
  if #heads > 1 then
    raise("multiple_heads", "Multiple heads are present", {
      heads = heads, argument = label and (label .. "@head") or "head" })
  end
  return heads[1]
end

-- exact id, branch label, or unique partial id (of an id longer than 3)
function Map:_lookup_key(key)
  return self._nodes[key] or self._labels[key]
end

function Map:_revision_for_ident(resolved_id, check_branch)
  local branch_rev = check_branch and self:_resolve_branch(check_branch) or nil
  if resolved_id == nil then return false end
  local revision = self:_lookup_key(resolved_id)
  if not revision then
    revision = self:_partial_lookup(resolved_id, branch_rev and check_branch)
  end
  if check_branch and not self:_shares_lineage(revision, { branch_rev }) then
    raise("resolution", ("Revision %s is not a member of branch '%s'")
      :format(revision.revision, check_branch), {
        argument = resolved_id,
        detail = ("revision %s is not a member of branch '%s'"):format(revision.revision, check_branch) })
  end
  return revision
end

-- Alembic matches a prefix of any key longer than three characters (ids and
-- branch labels alike); the prefix itself may be as short as one character.
function Map:_partial_lookup(prefix, branch)
  local keys = {}
  local function consider(key)
    if #key > 3 and key:sub(1, #prefix) == prefix then keys[#keys + 1] = key end
  end
  for _, n in ipairs(self._order) do consider(n.revision) end
  for _, n in ipairs(self._order) do
    for _, l in ipairs(n.own_branch_labels) do consider(l) end
  end
  if branch then
    local kept = {}
    for _, k in ipairs(keys) do
      if self:_shares_lineage(self:_lookup_key(k), { branch }) then kept[#kept + 1] = k end
    end
    keys = kept
  end
  if #keys == 0 then
    raise("resolution", ("No such revision or branch '%s'"):format(prefix), { argument = prefix })
  elseif #keys > 1 then
    local shown = {}
    for i = 1, math.min(3, #keys) do shown[i] = "'" .. keys[i] .. "'" end
    local detail = ("multiple revisions start with '%s': %s%s"):format(
      prefix, table.concat(shown, ", "), #keys > 3 and ", ..." or "")
    raise("resolution", detail, { argument = prefix, detail = detail })
  end
  return self:_lookup_key(keys[1])
end

function Map:_resolve_branch(label)
  local rev = self:_lookup_key(label)
  if rev then return rev end
  local ok, res = pcall(self._revision_for_ident, self, label)
  if ok then return res end
  if getmetatable(res) == RevError and res.kind == "resolution" then
    raise("resolution", ("No such branch: '%s'"):format(label), { argument = label })
  end
  error(res, 0)
end

-- one identifier or a list -> array of nodes (may hold false for "no
-- revision" and BASE, as Alembic's tuples hold None and "base")
function Map:get_revisions(id)
  if type(id) == "table" and not is_node(id) then
    local out = {}
    for _, elem in ipairs(id) do
      for _, r in ipairs(self:get_revisions(elem)) do out[#out + 1] = r end
    end
    return out
  end
  if is_node(id) then return { id } end
  local resolved, label = self:_resolve_revision_number(id)
  if #resolved == 1 then
    local rint = as_int(resolved[1])
    if rint and rint < 0 then
      -- "-n" alone: walk down from every head (of the branch)
      local out = {}
      for _, head in ipairs(self:get_revisions("heads")) do
        if not label or head._label_set[label] then
          out[#out + 1] = self:_walk(head, rint)
        end
      end
      return out
    end
  end
  local out = {}
  for i, rid in ipairs(resolved) do out[i] = self:_revision_for_ident(rid, label) end
  return out
end

function Map:get_revision(id)
  if is_node(id) then return id end
  local resolved, label = self:_resolve_revision_number(id)
  if #resolved > 1 then
    raise("multiple_heads", "Multiple heads are present", { heads = resolved, argument = id })
  end
  return self:_revision_for_ident(resolved[1], label)
end

-- true when one of `against` (nodes, ids or labels) is an ancestor or a
-- descendant of target (or target itself); depends_on only when asked
function Map:_shares_lineage(target, against, include_deps)
  include_deps = include_deps or false
  if #against == 0 then return true end
  if not is_node(target) then target = self:_revision_for_ident(target) end
  local wanted = {}
  for _, a in ipairs(against) do
    wanted[is_node(a) and a or self:_revision_for_ident(a)] = true
  end
  local down, up = self:_ancestors({ target }, include_deps), self:_descendants({ target }, include_deps)
  for n in pairs(wanted) do
    if down[n] or up[n] then return true end
  end
  return false
end

function Map:filter_for_lineage(targets, check_against, include_deps)
  local ids, label = self:_resolve_revision_number(check_against)
  local shares = {}
  if label then shares[1] = label end
  for _, id in ipairs(ids) do shares[#shares + 1] = id end
  local out = {}
  for _, t in ipairs(targets) do
    if self:_shares_lineage(t, shares, include_deps or false) then out[#out + 1] = t end
  end
  return out
end

---------------------------------------------------------------------------
-- Relative targets (_walk, _parse_upgrade_target, _parse_downgrade_target)
---------------------------------------------------------------------------

-- Walk |steps| up (steps > 0) or down.  Returns a node, BASE, or false when
-- the walk runs off the graph and no_overwalk (the default) holds.
function Map:_walk(start, steps, branch_label, no_overwalk)
  if no_overwalk == nil then no_overwalk = true end
  local initial = start
  if type(start) == "string" then initial = self:get_revision(start) end
  for _ = 1, math.abs(steps) do
    local children
    if steps > 0 then
      local up = self:get_revisions(initial and initial.children or self._bases)
      children = branch_label and self:filter_for_lineage(up, branch_label) or up
    elseif initial == BASE then
      children = {}
    else
      children = self:get_revisions(initial and initial.down_revisions or self._heads)
      if #children == 0 then children = { BASE } end
    end
    if #children == 0 then
      if no_overwalk then return false end
      return initial
    elseif #children > 1 then
      revision_error("Ambiguous walk")
    end
    initial = children[1]
  end
  return initial
end

-- The number of steps of a relative target's text ("+3", "-0", "-99...9")
-- and its magnitude as digits. Python's int has no bounds, and a walk
-- stops at the edge of the graph long before maxinteger steps, so a
-- magnitude beyond Lua's integers walks maxinteger steps (never wrapping
-- around, as -(-2^63) would).
local function relative_steps(rel)
  local sign, digits = rel:match("^([+-]?)0*(%d*)$")
  if digits == "" then digits = "0" end
  local n = math.tointeger(tonumber(digits)) or math.maxinteger
  return sign == "-" and -n or n, digits
end

local function didnt_produce(rel)
  local _, digits = relative_steps(rel)
  revision_error(("Relative revision %s didn't produce %s migrations"):format(rel, digits))
end

function Map:_parse_upgrade_target(current, target, assert_len)
  local label, symbol, rel_s
  if type(target) == "string" then label, symbol, rel_s = parse_relative(target) end
  if not rel_s then return self:get_revisions(target) end
  local rel, digits = relative_steps(rel_s)
  if rel <= 0 then
    -- Alembic formats the number here, not the text: "-007" says -7
    if not symbol then didnt_produce((rel < 0 and "-" or "") .. digits) end
    local start = label and self:get_revision(label .. "@" .. symbol) or self:get_revision(symbol)
    local rev = self:_walk(start, rel, nil, assert_len)
    -- Alembic trips an assertion here; we say what happened
    if rev == false then revision_error("Walked too far") end
    return { rev }
  end
  if symbol then
    -- relative to a given revision; running off the graph is an error here
    local rev = self:_walk(self:get_revision(symbol), rel, label, assert_len)
    if rev == false then revision_error("Walked too far") end
    return { rev }
  end
  local start_revs = to_list(current)
  if #start_revs == 0 then start_revs = { false } end
  if label then
    start_revs = self:_upgrade_start_on_branch(start_revs, label)
  end
  if #start_revs > 1 then revision_error("Ambiguous upgrade from multiple current revisions") end
  local rev = self:_walk(start_revs[1] or false, rel, label, assert_len)
  if rev == false then didnt_produce(rel_s) end
  return { rev }
end

-- label@+n: start from the current head on that branch, else from the tip
-- of what is applied on it, else from base
function Map:_upgrade_start_on_branch(current, label)
  local real = {}
  for _, c in ipairs(current) do if c then real[#real + 1] = c end end
  local starts = self:filter_for_lineage(self:get_revisions(real), label)
  if #starts > 0 then return starts end
  local _, applied = self:_ancestors(self:get_revisions(real))
  local on_branch = self:filter_for_lineage(applied, label)
  local below = {}
  for _, r in ipairs(on_branch) do
    for _, d in ipairs(r._norm_down) do below[d] = true end
  end
  local tips = {}
  for _, r in ipairs(on_branch) do
    if not below[r.revision] then tips[#tips + 1] = r end
  end
  table.sort(tips, by_map_order)
  if #tips == 0 then return { false } end
  return tips
end

function Map:_parse_downgrade_target(current, target, assert_len)
  if target == nil then return nil, false end
  local label, symbol, rel_s = parse_relative(target)
  if rel_s then
    local rel = relative_steps(rel_s)
    if rel >= 0 then
      if not symbol then didnt_produce(rel_s) end
      local rev = self:_walk(symbol, rel, label, assert_len)
      if rev == false then revision_error("Walked too far") end
      return label, rev
    end
    local relative_to_current = symbol == nil
    if relative_to_current then
      local cr = to_list(current)
      if label then
        symbol = self:_current_on_branch(cr, label, rel_s)
      else
        if #cr == 0 then didnt_produce(rel_s) end
        -- Alembic takes the first row of the version table (and warns when
        -- there are several) and restricts the walk to its branch
        symbol = cr[1]
        label = symbol
      end
    end
    local start = label and self:get_revision(label .. "@" .. symbol) or self:get_revision(symbol)
    local rev = self:_walk(start, rel, nil, assert_len)
    if rev == false then
      if relative_to_current then didnt_produce(rel_s) end
      revision_error("Walked too far")
    end
    return label, rev
  end
  local lbl, sym = target:match("^(.*)@(.-)$")
  if not lbl then lbl, sym = nil, target end
  if lbl == "" then lbl = nil end
  return lbl, self:get_revision(sym)
end

-- label@-n: the one current revision on that branch (or, when another
-- branch's head depends on it, the applied tip of the branch)
function Map:_current_on_branch(cr, label, rel_s)
  local list = self:filter_for_lineage(cr, label)
  if #list == 0 then
    list = ids_of(self:filter_for_lineage(sorted_nodes(self:_get_all_current(cr)), label))
  end
  if #list ~= 1 then
    if #list == 0 then didnt_produce(rel_s) end
    revision_error(("Relative revision %s is ambiguous on branch '%s': %s")
      :format(rel_s, label, table.concat(list, ", ")))
  end
  return list[1]
end

function Map:_get_all_current(ids)
  local top = {}
  for _, r in ipairs(self:get_revisions(ids)) do if r then top[r] = true end end
  local all = self:_ancestors(sorted_nodes(top))
  -- _filter_into_branch_heads: keep those with no child in the set
  local out = {}
  for n in pairs(all) do
    local covered = false
    for _, c in ipairs(n.children) do
      if all[self._nodes[c]] then covered = true; break end
    end
    if not covered then out[n] = true end
  end
  return out
end

---------------------------------------------------------------------------
-- Collecting and ordering revisions (iterate_revisions)
---------------------------------------------------------------------------

local function real_nodes(list)
  local out = {}
  for _, r in ipairs(list) do if is_node(r) then out[#out + 1] = r end end
  return out
end

function Map:_collect_upgrade(upper, lower, inclusive, implicit_base, assert_len)
  local targets = real_nodes(self:_parse_upgrade_target(lower, upper, assert_len))
  -- "label@rev:..." as the lower end keeps only targets on that branch
  if type(lower) == "string" and lower:find("@", 1, true) then
    local branch = lower:match("^(.-)@")
    local branch_rev = self:get_revision(branch)
    if branch_rev and branch_rev.revision == branch then branch = branch_rev.branch_labels[1] end
    local kept = {}
    for _, t in ipairs(targets) do if t._label_set[branch] then kept[#kept + 1] = t end end
    targets = kept
  end
  local required = self:_ancestors(targets, true, true)
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
    local _, rev = self:_parse_downgrade_target(upper, lower, assert_len)
    if rev == BASE then current, lower = {}, nil else current, lower = { rev }, rev.revision end
  end
  current = real_nodes(current)
  local applied = self:_ancestors(current, true, true)
  local needs = required                 -- not used otherwise from here
  for n in pairs(applied) do needs[n] = nil end
  if inclusive then
    for _, r in ipairs(self:get_revisions(lower)) do if is_node(r) then needs[r] = true end end
  end
  if #current > 0 and not implicit_base then
    local below = self:_descendants(current, false, true)
    for n in pairs(needs) do if not below[n] then needs[n] = nil end end
  end
  -- with nothing applied, needs is everything below the targets
  return needs, targets, #current == 0
end

function Map:_collect_downgrade(upper, target, inclusive, implicit_base, assert_len)
  local label, target_rev = self:_parse_downgrade_target(upper, target, assert_len)
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
    local on_branch = self:_ancestors({ self:_resolve_branch(label) }, false)
    local kept = {}
    for _, r in ipairs(roots) do if on_branch[r] then kept[#kept + 1] = r end end
    roots = kept
    every_base = false
    if #roots == 0 then revision_error("Not a valid downgrade target from current heads") end
  end
  local heads = real_nodes(self:get_revisions(upper))
  -- everything above the roots that is applied goes, dependents included
  -- (above every base, in a graph without cycles, is everything)
  local active = self:_ancestors(heads, true)
  local drop = active
  if not (every_base and self._acyclic) then
    drop = self:_descendants(roots, true)
    for n in pairs(drop) do if not active[n] then drop[n] = nil end end
  end
  if implicit_base then
    local keep = self:_ancestors(roots)
    for n in pairs(active) do if not keep[n] then drop[n] = true end end
  end
  if target_rev and not next(drop) and not set_of(heads)[target_rev] then
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
-- those are its children, kept as ids (_link builds no second list).
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

function Map:_topological_sort(todo, heads, closed)
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

---------------------------------------------------------------------------
-- The version table (HeadMaintainer with RevisionStep / StampStep)
---------------------------------------------------------------------------

-- ancestor set of one revision, cached (the map is immutable)
function Map:_ancestor_set(node)
  local s = self._anc_cache[node]
  if not s then s = self:_ancestors({ node }); self._anc_cache[node] = s end
  return s
end

-- a search that visits this many revisions gives up and caches the full
-- ancestor set instead (so a head asked about again and again costs one walk)
local SEARCH_BUDGET = 64

-- is n an ancestor of h (or h itself)?  Searches down from h, skipping
-- revisions numbered (_topo) below n: none of them can lead to n.
function Map:_is_below(n, h)
  if n == h then return true end
  local cached = self._anc_cache[h]
  if cached then return cached[n] == true end
  if not self._acyclic then return self:_ancestor_set(h)[n] == true end
  local floor = n._topo
  if h._topo < floor then return false end
  local nodes, seen, stack, top, visited = self._nodes, { [h] = true }, { h }, 1, 0
  while top > 0 do
    local x = stack[top]
    stack[top] = nil
    top = top - 1
    visited = visited + 1
    if visited > SEARCH_BUDGET then return self:_ancestor_set(h)[n] == true end
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
function Map:_not_below(list, heads)
  local out = {}
  for _, id in ipairs(list) do
    local n, below = self._nodes[id], false
    for _, h in ipairs(heads) do
      if self:_is_below(n, self._nodes[h]) then below = true; break end
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
function Map:_apply_upgrade(rows, node)
  local downs, id = node._norm_down, node.revision
  local n_present, first_present = rows:count_of(downs)
  if #downs == 0 or n_present == 0 then
    rows:insert(id)                       -- a new branch (or a base)
  elseif #downs > 1 and n_present > 1 then
    -- a merge: keep one row, delete the others
    local from = downs
    local others = rows:others(downs)
    if #others > 0 then from = self:_not_below(downs, others) end
    for i = 1, #from - 1 do rows:delete(from[i]) end
    rows:update(from[#from], id)
  else
    if n_present ~= 1 then fail("Can't do an UPDATE because downrevision is ambiguous") end
    rows:update(#downs == 1 and downs[1] or first_present, id)
  end
end

-- HeadMaintainer.update_to_step for a downgrade RevisionStep
function Map:_apply_downgrade(rows, node)
  local downs, id = node._norm_down, node.revision
  local has_row, unmerge_to = rows.set[id], nil
  if has_row and #downs > 0 then
    -- the parents that no other row builds on
    local others = rows.n > 1 and rows:others({ id }) or EMPTY
    unmerge_to = #others == 0 and downs or self:_not_below(downs, others)
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


local function make_step(node, source, up, ops)
  local from, to
  if up then from, to = copy(node.down_revisions), { node.revision }
  else from, to = { node.revision }, copy(node.down_revisions) end
  return { node = node, source = source, direction = up and "up" or "down", from = from, to = to,
    version_ops = ops }
end

-- turn an ordered list of nodes into steps, simulating the version table
function Map:_steps(current, order, up)
  local rows = new_rows(current)
  local steps = {}
  local ops = rows.ops
  for i, node in ipairs(order) do
    local before = #ops
    if up then self:_apply_upgrade(rows, node) else self:_apply_downgrade(rows, node) end
    local after = #ops
    local step_ops = after == before + 1 and { ops[after] } or table.move(ops, before + 1, after, 1, {})
    steps[i] = make_step(node, self:source(node), up, step_ops)
  end
  return steps
end

---------------------------------------------------------------------------
-- Public API
---------------------------------------------------------------------------

--- The node with exactly this revision id, or nil.
function Map:get(id) return self._nodes[id] end

--- All revisions, in map order (by revision id).
function Map:revisions() return table.move(self._order, 1, #self._order, 1, {}) end

--- Heads (no revision names them as down_revision), as `alembic heads`.
function Map:heads() return to_list(self._heads) end

--- Heads that nothing depends on either, as `alembic heads
--- --resolve-dependencies`.
function Map:real_heads() return to_list(self._real_heads) end

--- Bases (no down_revision).
function Map:bases() return to_list(self._bases) end

--- The set (id -> true) of revisions applied when the version table
--- holds current_heads: the heads and everything they build on.
function Map:applied(current_heads)
  local nodes = {}
  for _, id in ipairs(current_heads) do
    if self._nodes[id] then nodes[#nodes + 1] = self._nodes[id] end
  end
  local applied = {}
  for node in pairs((self:_ancestors(nodes, true))) do applied[node.revision] = true end
  return applied
end

--- Nodes with more than one child, newest first, as `alembic branches`.
function Map:branch_points()
  local out = {}
  for _, n in ipairs(self:_full_history()) do if n.is_branch_point then out[#out + 1] = n end end
  return out
end

--- The current set of `alembic current` when the version table holds
--- rows (ids this map defines): the rows and all they build on, down
--- revisions and depends_on, less what another of them descends from.
--- Ids in map order.
function Map:current_set(rows)
  return ids_of(sorted_nodes(self:_get_all_current(rows)))
end

--- The one revision (or none, for base) a target names, as Alembic's
--- get_revision: where it names several heads, the multiple-heads error.
function Map:resolve_single(target)
  return guarded({ end_ = target }, function()
    local rev = self:get_revision(target)
    return is_node(rev) and { rev.revision } or {}
  end)
end

--- The revisions an identifier names, as `alembic show` takes it: an id
--- or its prefix, a label, head(s), base, label@head, -N; not REV-N.
function Map:lookup(id)
  return guarded({ end_ = id }, function() return ids_of(real_nodes(self:get_revisions(id))) end)
end

local function check_current(current)
  if current == nil then return {} end
  if type(current) == "string" then return { current } end
  return current
end

local function resolve(self, target, current)
  if target == "current" then
    return ids_of(real_nodes(self:get_revisions(current)))
  end
  local label, _, rel_s = nil, nil, nil
  if type(target) == "string" then label, _, rel_s = parse_relative(target) end
  if rel_s and rel_s:sub(1, 1) == "-" then
    local _, rev = self:_parse_downgrade_target(current, target, true)
    return is_node(rev) and { rev.revision } or {}
  end
  return ids_of(real_nodes(self:_parse_upgrade_target(current, target, true)))
end

--- Ids a target names: head, heads, base, id, prefix, label, label@head,
--- label@rev, +N, -N, REV+N, REV-N, label@+N, label@-N, current.
function Map:resolve(target, current_heads)
  local current = check_current(current_heads)
  return guarded({ end_ = target }, resolve, self, target, current)
end

local function upgrade_order(self, current, target)
  local needs, targets = self:_collect_upgrade(target, current, false, true, true)
  local order = self:_topological_sort(needs, targets, true)
  local reversed = {}
  for i = #order, 1, -1 do reversed[#reversed + 1] = order[i] end
  return reversed
end

--- The steps `upgrade TARGET` runs from current_heads, in Alembic's order.
function Map:upgrade_steps(current_heads, target)
  local current = check_current(current_heads)
  local order = guarded({
    ancestor = "Destination %{end} is not a valid upgrade target from current head(s)",
    end_ = target }, upgrade_order, self, current, target)
  return self:_steps(current, order, true)
end

local function downgrade_order(self, current, target)
  local drop, heads = self:_collect_downgrade(current, target, false, false, true)
  return self:_topological_sort(drop, heads, true)
end

--- The steps `downgrade TARGET` runs from current_heads, in Alembic's order.
function Map:downgrade_steps(current_heads, target)
  local current = check_current(current_heads)
  local order = guarded({
    ancestor = "Destination %{end} is not a valid downgrade target from current head(s)",
    end_ = target }, downgrade_order, self, current, target)
  return self:_steps(current, order, false)
end

-- walk_revisions(base, head): iterate_revisions(head, base, inclusive)
local function walk_revisions(self, base, head)
  local needs, targets, down_closed = self:_collect_upgrade(head, base, true, false, false)
  return self:_topological_sort(needs, targets, down_closed and self._acyclic)
end

-- The whole history (base:heads), computed once per map: history and
-- status list it, and a snapshot keeps it.
function Map:_full_history()
  local all = self._history
  if not all then
    all = guarded({ start = "base", end_ = "heads" }, walk_revisions, self, "base", "heads")
    self._history = all
  end
  return all
end

--- Nodes newest first, as `alembic history -r RANGE` lists them.
function Map:history(range, current_heads)
  if range == nil then return copy(self:_full_history()) end
  local current = check_current(current_heads)
  local base, head
  if range ~= nil then
    base, head = range:match("^%s*(.-):(.-)%s*$")
    if not base then
      fail("History range requires [start]:[end], [start]:, or :[end]")
    end
  end
  if base == "current" then base = current end
  if head == "current" then head = current end
  if base == "" or (type(base) == "table" and #base == 0) then base = nil end
  if head == "" or (type(head) == "table" and #head == 0) then head = nil end
  base, head = base or "base", head or "heads"
  return guarded({ start = base, end_ = head }, walk_revisions, self, base, head)
end

local function collect_stamp(self, current, revision)
  local head_revs = self:get_revisions(current)
  if #revision == 0 then revision = { "base" } end
  local filtered, seen = {}, {}
  for _, rev in ipairs(revision) do
    for _, h in ipairs(self:filter_for_lineage(head_revs, rev, true)) do
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
function Map:stamp_steps(current_heads, targets)
  local current = check_current(current_heads)
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
