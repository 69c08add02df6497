-- The op functions that edit how an existing table stands among others
-- (issue 15): a partition detached and attached again (its bound
-- changed), a parent added to or removed from INHERITS. luamig.op
-- installs them into its table with its own checks.
local F = {}

-- luamig.op's checks, bound by luamig.op
local check_name, ddl_op, options

-- opts.schema is the table's (the partition's), opts.parent_schema the parent's.
local parent_options = { schema = "string", parent_schema = "string" }

local function names(fname, name, parent, label)
  check_name(fname, label, name)
  check_name(fname, "parent table name", parent)
end

function F.detach_partition(name, parent, opts)
  names("detach_partition", name, parent, "partition name")
  ddl_op("detach_partition", "op.detach_partition", name, parent, options("detach_partition", opts, parent_options))
end

-- bound: "FOR VALUES ..." or "DEFAULT" (your SQL).
function F.attach_partition(name, parent, bound, opts)
  names("attach_partition", name, parent, "partition name")
  ddl_op("attach_partition", "op.attach_partition", name, parent, bound,
    options("attach_partition", opts, parent_options))
end

function F.inherit(name, parent, opts)
  names("inherit", name, parent, "table name")
  ddl_op("inherit", "op.inherit", name, parent, options("inherit", opts, parent_options))
end

function F.no_inherit(name, parent, opts)
  names("no_inherit", name, parent, "table name")
  ddl_op("no_inherit", "op.no_inherit", name, parent, options("no_inherit", opts, parent_options))
end

return {
  functions = F,
  bind = function(kit) check_name, ddl_op, options = kit.check_name, kit.ddl_op, kit.options end,
}
