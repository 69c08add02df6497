-- luamig.revmap.snapshot — the built map as data, the format the revision
-- index (luamig.revindex) stores beside the revisions it was built from,
-- so that a later run can skip building it: taking a snapshot, checking
-- one read from a file, restoring the map, and the revisions it was taken
-- from. Building is most of the time of `heads` or `history` over ten
-- thousand revisions; restoring is a table per node and its lists.
--
-- It lives with the graph, not with the index: a snapshot is the map's
-- own fields (what restore cannot derive again as building does), and
-- SNAPSHOT_VERSION changes with them. The index only keeps the bytes.
local core = require("luamig.core")
local lists = require("luamig.lists")
local map = require("luamig.revmap.map")

local Map, EMPTY, Node = map.Map, map.EMPTY, map.Node
local copy, to_list = lists.copy, map.to_list

local M = {}

-- Changes whenever the fields of a node or of the map change meaning.
M.VERSION = 4

-- The snapshot is columns, one array per field in map order, holding only
-- what restore cannot work out: a node refers to another by its position,
-- so a reference is checked as a number in range, and children,
-- dependents, flags, heads and bases are derived again from the parents
-- (as building derives them), so they need no check. What only labels and
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
--- restore(); of a map built by revmap.new().
function M.of(self)
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
  return { version = M.VERSION, acyclic = self._acyclic, has_deps = self._has_deps == true,
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
  if type(data) ~= "table" or data.version ~= M.VERSION or type(data.acyclic) ~= "boolean"
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

-- The snapshot's nodes in map order, and by id: each with its parents
-- and what they tell (base, merge point).
local function restore_nodes(snap, rebase)
  local ids, messages, paths, topo, counts, downs = snap.ids, snap.messages, snap.paths, snap.topo,
    snap.down_counts, snap.downs
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
  return list, by_id
end

-- The labels and depends_on of the nodes that have any; returns the
-- nodes that declare depends_on.
local function restore_extras(snap, list)
  local extra_at, extras, with_deps = snap.extra_at, snap.extras, {}
  for k = 1, #extra_at do
    local n, extra = list[extra_at[k]], extras[k]
    for _, key in ipairs(EXTRA_NAMES) do
      if extra[key] then n[key] = copy(extra[key]) end
    end
    if extra._label_set then n._label_set = lists.set_of(extra._label_set) end
    if extra._norm_down then n._norm_down = copy(extra._norm_down) end
    local deps = extra.depends_on
    if deps then
      n.depends_on = copy(deps)
      if #deps > 0 then n._all_down = to_list(table.move(deps, 1, #deps, #n.down_revisions + 1, copy(n.down_revisions))) end
    end
    if #n.declared_depends_on > 0 then with_deps[#with_deps + 1] = n end
  end
  return with_deps
end

-- What building derives from the parents, in its order: children,
-- dependents, the nodes naming each in _norm_down, branch points; returns
-- the bases and the real bases (without depends_on).
local function link_restored(list, by_id, has_deps, with_deps)
  local bases, real_bases = {}, {}
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
  return bases, real_bases
end

-- the heads and the real heads (nothing depends on them) of linked nodes
local function restored_heads(list)
  local heads, real_heads = {}, {}
  for i = 1, #list do
    local n = list[i]
    if n.children == EMPTY then
      n.is_head = true
      heads[#heads + 1] = n.revision
    end
    if #n.dependents == 0 then real_heads[#real_heads + 1] = n.revision end
  end
  return heads, real_heads
end

--- The map a snapshot describes. source_at(k) gives the k-th of the
--- revisions it was taken from, when a node's is first asked for
--- (Map:source): a command reading only the graph makes no table per
--- revision file. rebase(path), when given, says where each file is
--- reached now. Nil when the data is not a snapshot of this version.
function M.restore(snap, source_at, rebase)
  if not M.is_snapshot(snap) then return nil end
  local has_deps = snap.has_deps or nil
  local list, by_id = restore_nodes(snap, rebase)
  local with_deps = restore_extras(snap, list)
  local bases, real_bases = link_restored(list, by_id, has_deps, with_deps)
  local heads, real_heads = restored_heads(list)
  local labels = {}
  for label, id in pairs(snap.labels) do labels[label] = by_id[id] end
  local history = snap.history and {} or nil
  for i = 1, history and #snap.history or 0 do history[i] = list[snap.history[i]] end
  return setmetatable({ _nodes = by_id, _order = list, _labels = labels,
    _source_at = source_at, _source_positions = snap.sources or nil, _history = history,
    _acyclic = snap.acyclic, _has_deps = has_deps,
    _heads = heads, _real_heads = real_heads, _bases = bases, _real_bases = real_bases }, Map)
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
function M.revisions(snap)
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

return M
