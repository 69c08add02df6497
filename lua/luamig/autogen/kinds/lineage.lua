-- The kinds of luamig.autogen.lineage's records (issue 15): a parent's
-- PARTITION BY (which PostgreSQL cannot alter: refused), a partition's
-- bound (detached, attached again), a parent added to or removed from
-- INHERITS.
local lualit = require("luamig.lualit")
local write = require("luamig.autogen.write")
local inverse = require("luamig.autogen.kinds.inverse")

local M = {}

local str = lualit.string
local call, schema_opt, where = write.call, write.schema_opt, write.where
local as_kind, swap_ends = inverse.as_kind, inverse.swap_ends

-- schema = and parent_schema = of record d (parent_schema from p).
local function parent_opts(d, p)
  local opts = schema_opt(d)
  if p.parent_schema then opts[#opts + 1] = "parent_schema = " .. str(p.parent_schema) end
  return opts
end

local function parent_name(p) return where { schema = p.parent_schema, table = p.parent } end

-- No ALTER changes a partition key: the revision says so and stops
-- there rather than leave the table otherwise than the model.
local function refused(d)
  local msg = ("table %s: PARTITION BY cannot be altered (%s -> %s): write this step by hand "
    .. "(a new partitioned table, the rows moved, the tables renamed)"):format(where(d), d.from, d.to)
  return "-- " .. msg .. "\n" .. ("error(%s, 0)"):format(str(msg))
end

M.kinds = {
  -- from, to: the live and the model's PARTITION BY
  partition_by = {
    phase = "drop_dependents",  -- first: the revision stops before it changes anything
    describe = function(d)
      return { ("change PARTITION BY of table %s: %s -> %s"):format(where(d), d.from, d.to) }
    end,
    render = refused,
    inverse = swap_ends,
  },
  -- parent, parent_schema, from, to: the bounds. Detached first (no line
  -- of its own), attached again with the tables created; each undoes the other.
  detach_partition = {
    phase = "drop_tables",
    describe = function() return {} end,
    render = function(d) return call("detach_partition", { str(d.table), str(d.parent) }, parent_opts(d, d)) end,
    inverse = function(d) return swap_ends(as_kind("attach_partition")(d)) end,
  },
  attach_partition = {
    phase = "create_tables",
    describe = function(d)
      return { ("change bound of partition %s of %s: %s -> %s"):format(where(d), parent_name(d), d.from, d.to) }
    end,
    render = function(d)
      return call("attach_partition", { str(d.table), str(d.parent), str(d.to) }, parent_opts(d, d))
    end,
    inverse = function(d) return swap_ends(as_kind("detach_partition")(d)) end,
  },
  -- parent = { parent, parent_schema }
  add_inherit = {
    phase = "change_columns",
    describe = function(d) return { ("add parent %s to table %s"):format(parent_name(d.parent), where(d)) } end,
    render = function(d) return call("inherit", { str(d.table), str(d.parent.parent) }, parent_opts(d, d.parent)) end,
    inverse = as_kind("remove_inherit"),
  },
  remove_inherit = {
    phase = "change_columns",
    describe = function(d) return { ("remove parent %s from table %s"):format(parent_name(d.parent), where(d)) } end,
    render = function(d) return call("no_inherit", { str(d.table), str(d.parent.parent) }, parent_opts(d, d.parent)) end,
    inverse = as_kind("add_inherit"),
  },
}

return M
