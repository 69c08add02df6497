-- How an existing table stands among others (issue 15): a parent's
-- PARTITION BY, a partition's bound, the parents a table INHERITS from.
-- Pure, as luamig.autogen.compare, which calls it for each table both
-- sides have; its records are the kinds of luamig.autogen.kinds.lineage.
local lists = require("luamig.lists")
local normalize = require("luamig.autogen.normalize")

local M = {}

local key = normalize.table_key

local function same_parent(a, b) return key(a.parent_schema, a.parent) == key(b.parent_schema, b.parent) end

-- The parents of list not in other, in list's order.
local function missing(list, other)
  local out = {}
  for _, p in ipairs(list or {}) do
    local found = false
    for _, q in ipairs(other or {}) do found = found or same_parent(p, q) end
    if not found then out[#out + 1] = p end
  end
  return out
end

-- Emits the records of model table m against live table d; judge as
-- compare.judge makes it (the server's word on keys and bounds). A bound
-- changes in two records: the partition detached with the tables
-- dropped, attached again with those created, so that a partition split
-- or merged with a neighbour never overlaps it.
function M.compare(m, d, emit, judge)
  if m.partition_by and d.partition_by and judge.partition_by_key(m) ~= normalize.expr_key(d.partition_by) then
    emit(m, "partition_by", { from = d.partition_by, to = m.partition_by })
  end
  local mp, dp = m.partition, d.partition
  if mp and dp and same_parent(mp, dp) and judge.bound_key(m) ~= normalize.expr_key(dp.bound) then
    local fields = { parent = dp.parent, parent_schema = dp.parent_schema, from = dp.bound, to = mp.bound }
    emit(m, "detach_partition", lists.merge({}, fields))
    emit(m, "attach_partition", fields)
  end
  if mp or dp then return end
  for _, p in ipairs(missing(d.inherits, m.inherits)) do emit(m, "remove_inherit", { parent = p }) end
  for _, p in ipairs(missing(m.inherits, d.inherits)) do emit(m, "add_inherit", { parent = p }) end
end

return M
