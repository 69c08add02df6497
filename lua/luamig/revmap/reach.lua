-- luamig.revmap.reach — what a set of revisions reaches along the edges
-- of the graph: ancestors, descendants, with or without depends_on. Every
-- other part (building, resolving, ordering, the version table) asks this.
local lists = require("luamig.lists")
local map = require("luamig.revmap.map")
local errors = require("luamig.revmap.errors")

local Map, is_node = map.Map, map.is_node

local NO_OPTIONS = {}

-- the overlaps a walk from t found (a set of nodes), as Alembic reports them
local function overlap_error(t, overlaps)
  errors.revision_error(("Requested revision %s overlaps with other requested revisions %s")
    :format(t.revision, errors.fmt_ids(map.ids_of(map.sorted_nodes(overlaps)))))
end

-- Iterative depth-first walk, a port of _iterate_related_revisions: same
-- stack discipline, so the visiting order (which _add_branches relies on)
-- matches Alembic's up to the order of sets.  `field` names the edges: an
-- array of ids on each node (down_revisions, children, _norm_down, ...).
-- options.check_overlaps: raise when one target reaches another.
-- Returns the set of nodes reached and the same nodes in visiting order.
function Map:_walk_related(targets, field, options)
  local check = (options or NO_OPTIONS).check_overlaps
  local nodes = self._nodes
  local seen, order, n_order = {}, {}, 0
  local target_set = check and lists.set_of(targets) or nil
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
      if check and next(overlaps) then overlap_error(t, overlaps) end
    end
  end
  return seen, order
end

-- Ancestors (self included). options: include_deps (default true, like
-- Alembic: depends_on counts as an edge), check_overlaps.
function Map:_ancestors(targets, options)
  local field = options and options.include_deps == false and "down_revisions" or "_norm_down"
  return self:_walk_related(targets, field, options)
end

-- Descendants (self included); options as _ancestors.
function Map:_descendants(targets, options)
  local field = options and options.include_deps == false and "children" or "dependents"
  return self:_walk_related(targets, field, options)
end

return Map
