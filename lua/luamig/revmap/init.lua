-- luamig.revmap — the revision graph: a faithful port of Alembic 1.8's
-- alembic.script.revision.RevisionMap and of the version-table
-- bookkeeping of alembic.runtime.migration (HeadMaintainer, RevisionStep,
-- StampStep), so that luamig resolves targets, orders steps and keeps one
-- row per head exactly as an Alembic user expects.
--
-- Pure: takes tables, returns tables, no I/O, no other luamig module but
-- luamig.lists and luamig.core's checks of a snapshot's columns (pure
-- too, in C for speed).
--
-- This is the package's public face; the parts, one concern each:
--   map       the Map class, the shape of a node, list helpers
--   errors    typed errors and the command-level messages they become
--   names     the rules for a revision id and a branch label
--   reach     ancestors and descendants
--   build     building the graph from revision tables (revmap.new)
--   resolve   what a target names
--   order     which revisions a range covers, in what order
--   versions  the version table's bookkeeping (steps and their version_ops)
--   snapshot  the built map as data, for the revision index
-- build and versions are loaded when first used: a command that only
-- reads a restored graph (heads, history) needs neither.
local lists = require("luamig.lists")
local map = require("luamig.revmap.map")
local errors = require("luamig.revmap.errors")
local names = require("luamig.revmap.names")
local snapshot = require("luamig.revmap.snapshot")
require("luamig.revmap.reach")
require("luamig.revmap.resolve")
require("luamig.revmap.order")

local Map, to_list, ids_of, is_node, heads_list = map.Map, map.to_list, map.ids_of, map.is_node, map.heads_list
local guarded = errors.guarded

local M = {}

M.BASE = map.BASE  -- the "<base>" position a downward walk can end on
M.id_problem = names.id_problem
M.label_problem = names.label_problem
M.SNAPSHOT_VERSION = snapshot.VERSION
M.is_snapshot = snapshot.is_snapshot
M.restore = snapshot.restore
M.snapshot_revisions = snapshot.revisions

local function versions() return require("luamig.revmap.versions") end

--- Build the graph from revision tables as loaded from files.
function M.new(revisions) return require("luamig.revmap.build").new(revisions) end

--- Apply version_ops to a list of rows; returns the new rows, sorted.
function M.apply_version_ops(rows, ops) return versions().apply_version_ops(rows, ops) end

--- The map with one more revision `src` (a revision file's table), built
--- anew: a writer checks a new file by the reader's own graph rules (an id
--- or a label taken, a parent missing) before writing it. Raises as M.new.
function Map:with(src)
  local revisions = {}
  for i, n in ipairs(self._order) do
    revisions[i] = { revision = n.revision, down_revision = n.down_revisions, path = n.path,
                     branch_labels = n.own_branch_labels, depends_on = n.declared_depends_on }
  end
  revisions[#revisions + 1] = src
  return M.new(revisions)
end

--- The map as plain data, for revmap.restore(); of a map built by new().
function Map:snapshot() return snapshot.of(self) end

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
  for node in pairs((self:_ancestors(nodes))) do applied[node.revision] = true end
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
  return ids_of(map.sorted_nodes(self:_get_all_current(rows)))
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
  return guarded({ end_ = id }, function() return ids_of(map.real_nodes(self:get_revisions(id))) end)
end

--- Ids a target names: head, heads, base, id, prefix, label, label@head,
--- label@rev, +N, -N, REV+N, REV-N, label@+N, label@-N, current.
function Map:resolve(target, current_heads)
  return guarded({ end_ = target }, self._resolve_target, self, target, heads_list(current_heads))
end

--- The steps `upgrade TARGET` runs from current_heads, in Alembic's order:
--- { node, source, direction = "up", from, to, version_ops } each.
function Map:upgrade_steps(current_heads, target)
  return versions().upgrade_steps(self, current_heads, target)
end

--- The steps `downgrade TARGET` runs from current_heads, in Alembic's order.
function Map:downgrade_steps(current_heads, target)
  return versions().downgrade_steps(self, current_heads, target)
end

--- The steps of `stamp TARGETS` (one target string or a list): Alembic's
--- StampSteps, { direction = "stamp", from, to, version_ops } each.
function Map:stamp_steps(current_heads, targets)
  return versions().stamp_steps(self, current_heads, targets)
end

--- Nodes newest first, as `alembic history -r RANGE` lists them.
function Map:history(range, current_heads)
  if range == nil then return lists.copy(self:_full_history()) end
  local current = heads_list(current_heads)
  local base, head = range:match("^%s*(.-):(.-)%s*$")
  if not base then
    errors.fail("History range requires [start]:[end], [start]:, or :[end]")
  end
  if base == "current" then base = current end
  if head == "current" then head = current end
  if base == "" or (type(base) == "table" and #base == 0) then base = nil end
  if head == "" or (type(head) == "table" and #head == 0) then head = nil end
  base, head = base or "base", head or "heads"
  return guarded({ start = base, end_ = head }, self._walk_revisions, self, base, head)
end

return M
