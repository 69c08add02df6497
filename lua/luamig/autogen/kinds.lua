-- Every kind of difference autogenerate finds, each defined once: the
-- record's fields, its phase in the safe order, its "Detected ..." lines,
-- the op call that applies it and the record that undoes it. Adding a kind
-- of comparison is an entry here plus the code in luamig.autogen.compare
-- that emits its records.
--
-- Every record has kind, schema (nil: the connection's current schema) and
-- table (the table's name), and the fields its entry below names.
local lualit = require("luamig.lualit")
local normalize = require("luamig.autogen.normalize")
local text = require("luamig.text")
local write = require("luamig.autogen.write")

local M = {}

local str, value = lualit.string, lualit.value
local call, braces, schema_opt, where, show = write.call, write.braces, write.schema_opt, write.where, write.show

-- The safe order: records are applied phase by phase, top to bottom, so
-- the downgrade is simply the inverse of each record in reverse order.
M.phases = {
  "drop_dependents",               -- triggers, views, functions (luamig.autogen.dependents orders them)
  "disown_sequences",              -- OWNED BY NONE: a dropped table would take its sequence along
  "drop_foreign_keys",
  "drop_indexes_and_constraints",  -- indexes, unique and check constraints
  "drop_tables",
  "create_schemas",                -- what tables need comes before them
  "create_extensions",
  "create_types",                  -- enums, and values added to them
  "create_sequences",              -- and changes of sequences
  "create_tables",                 -- referenced ones first
  "change_columns",                -- add, alter and drop columns; table comments
  "create_indexes_and_constraints",
  "create_foreign_keys",
  "own_sequences",                 -- OWNED BY table.column, once the table exists
  "create_dependents",             -- functions, views, triggers
  "drop_sequences",                -- what tables needed goes after them
  "drop_types",
  "drop_extensions",
  "drop_schemas",
}

-- d with its kind replaced: the inverse of an add is the remove, and back.
local function as_kind(kind)
  return function(d)
    local r = {}
    for k, v in pairs(d) do r[k] = v end
    r.kind = kind
    return r
  end
end

-- The inverse of a change from d.from to d.to.
local function swap_ends(d)
  local r = as_kind(d.kind)(d)
  r.from, r.to = d.to, d.from
  return r
end

-- The inverse of each change of d.changes.
local function swap_changes(d)
  local r = as_kind(d.kind)(d)
  r.changes = {}
  for k, c in pairs(d.changes) do r.changes[k] = { from = c.to, to = c.from } end
  return r
end

-- A default as a description shows it: on one line, nil as "none".
local function shown_sql(sql)
  return sql == nil and "none" or text.one_line(sql)
end

local function table_subject(d) return "table " .. where(d) end
local function column_subject(d) return "column " .. where(d, d.column.name) end
local function index_subject(d) return ("index %s on %s"):format(show(d.index.name), where(d)) end

local constraint_label = {
  unique = "unique constraint", check = "check constraint", foreign_key = "foreign key", primary_key = "primary key",
  exclude = "exclusion constraint",
}
local function constraint_subject(d)
  return ("%s %s on %s"):format(constraint_label[d.constraint.type], show(d.constraint.name), where(d))
end

-- Foreign keys are dropped first and created last, so that the tables and
-- keys they point at exist in between.
local function constraint_phase(d)
  local fk, add = d.constraint.type == "foreign_key", d.kind == "add_constraint"
  if fk then return add and "create_foreign_keys" or "drop_foreign_keys" end
  return add and "create_indexes_and_constraints" or "drop_indexes_and_constraints"
end

-------------------------------------------------- identity (issue 15 item 6)

-- An identity as a description shows it: "by default (start 5, cache 10)".
local function shown_identity(identity)
  if identity == nil then return "none" end
  local opts = {}
  for _, k in ipairs(write.identity_order) do
    if identity[k] ~= nil then opts[#opts + 1] = k .. " " .. tostring(identity[k]) end
  end
  if #opts == 0 then return identity[1] end
  return ("%s (%s)"):format(identity[1], table.concat(opts, ", "))
end

-- alter_column's identity part: identity = ... to add one, op.NULL to drop
-- it, set_identity = { generation if it changes, the options that change,
-- at their values for the column's type } between two.
local function identity_part(d, c)
  if c.from == nil or c.to == nil then return "identity = " .. (c.to and write.identity(c.to) or "op.NULL") end
  local from = normalize.identity_options(d.column_type, c.from)
  local to = normalize.identity_options(d.column_type, c.to)
  local set = { from[1] ~= to[1] and to[1] or nil }
  for _, k in ipairs(write.identity_order) do
    if from[k] ~= to[k] then set[k] = to[k] end
  end
  return "set_identity = " .. write.identity(set)
end

local function alter_lines(d)
  local c, col, out = d.changes, where(d, d.column), {}
  if c.type then out[#out + 1] = ("change type of %s: %s -> %s"):format(col, c.type.from, c.type.to) end
  if c.nullable then
    out[#out + 1] = ("change nullability of %s: %s -> %s"):format(col,
      c.nullable.from and "NULL" or "NOT NULL", c.nullable.to and "NULL" or "NOT NULL")
  end
  if c.default then
    out[#out + 1] = ("change default of %s: %s -> %s"):format(col, shown_sql(c.default.from), shown_sql(c.default.to))
  end
  if c.comment then out[#out + 1] = "change comment of " .. col end
  if c.identity then
    out[#out + 1] = ("change identity of %s: %s -> %s"):format(col, shown_identity(c.identity.from),
      shown_identity(c.identity.to))
  end
  return out
end

local function alter_call(d)
  local parts = {}
  for _, k in ipairs { "type", "nullable", "default", "comment" } do
    local c = d.changes[k]
    if c then parts[#parts + 1] = k .. " = " .. write.change_value(c.to) end
  end
  if d.changes.identity then parts[#parts + 1] = identity_part(d, d.changes.identity) end
  schema_opt(d, parts)
  return call("alter_column", { str(d.table), str(d.column), braces(parts) })
end

local create_constraint = {
  unique = function(d, c)
    return call("create_unique_constraint", { str(c.name), str(d.table), value(c.columns) },
      schema_opt(d, write.fields(c, { "deferrable", "initially" })))
  end,
  check = function(d, c)
    return call("create_check_constraint", { str(c.name), str(d.table), str(c.expr) }, schema_opt(d))
  end,
  primary_key = function(d, c)
    return call("create_primary_key", { str(c.name), str(d.table), value(c.columns) }, schema_opt(d))
  end,
  exclude = function(d, c)
    local opts = schema_opt(d, write.fields(c, { "using", "where", "deferrable", "initially" }))
    return call("create_exclude_constraint", { str(c.name), str(d.table), write.exclude_elements(c.elements) }, opts)
  end,
  foreign_key = function(d, c)
    local opts = write.fields(c, { "ondelete", "onupdate", "referent_schema", "match", "deferrable", "initially" },
      schema_opt(d, {}, "source_schema"))
    return call("create_foreign_key", { str(c.name), str(d.table), str(c.referent), value(c.columns),
      value(c.remote_columns) }, opts)
  end,
}

local function create_index_call(d)
  local i = d.index
  local opts = write.fields({ unique = i.unique or nil, where = i.where, using = i.using, include = i.include,
    nulls_not_distinct = i.nulls_not_distinct }, { "unique", "where", "using", "include", "nulls_not_distinct" })
  if i.with then opts[#opts + 1] = "with = " .. write.keyed(i.with) end
  return call("create_index", { str(i.name), str(d.table), write.index_elements(i.columns) }, schema_opt(d, opts))
end

M.kinds = {
  -- def = { name, schema, comment, columns = { §7 column spec... }, constraints = { table-level constraint... } }
  add_table = {
    phase = "create_tables",
    describe = function(d) return { "add " .. table_subject(d) } end,
    render = function(d) return write.create_table(d.def) end,
    inverse = as_kind("remove_table"),
  },
  remove_table = {
    phase = "drop_tables",
    describe = function(d) return { "remove " .. table_subject(d) } end,
    render = function(d) return call("drop_table", { str(d.table) }, schema_opt(d)) end,
    inverse = as_kind("add_table"),
  },
  -- column = §7 column spec { name, type, nullable, default, ... }
  add_column = {
    phase = "change_columns",
    describe = function(d) return { "add " .. column_subject(d) } end,
    render = function(d) return call("add_column", { str(d.table), write.column_spec(d.column) }, schema_opt(d)) end,
    inverse = as_kind("remove_column"),
  },
  remove_column = {
    phase = "change_columns",
    describe = function(d) return { "remove " .. column_subject(d) } end,
    render = function(d) return call("drop_column", { str(d.table), str(d.column.name) }, schema_opt(d)) end,
    inverse = as_kind("add_column"),
  },
  -- column = name, changes = { type = { from, to }, nullable = { from, to }, default = { from, to },
  -- comment = { from, to } } (only what changed; nullable values are booleans, true = NULL allowed; a nil
  -- default or comment means none)
  alter_column = {
    phase = "change_columns",
    describe = alter_lines,
    render = alter_call,
    inverse = swap_changes,
  },
  -- index = { name, columns = { "col" | { "col", desc = true, nulls =, opclass =, collation = } | { expr = "..." } },
  -- unique, where, using, include = { "col"... }, nulls_not_distinct, with = { option = value } }
  add_index = {
    phase = "create_indexes_and_constraints",
    describe = function(d) return { "add " .. index_subject(d) } end,
    render = create_index_call,
    inverse = as_kind("remove_index"),
  },
  remove_index = {
    phase = "drop_indexes_and_constraints",
    describe = function(d) return { "remove " .. index_subject(d) } end,
    render = function(d) return call("drop_index", { str(d.index.name) }, schema_opt(d)) end,
    inverse = as_kind("add_index"),
  },
  -- constraint = { type = "unique"|"check"|"foreign_key"|"primary_key", name, columns, expr, referent,
  -- referent_schema, remote_columns, ondelete, onupdate }
  add_constraint = {
    phase = constraint_phase,
    describe = function(d) return { "add " .. constraint_subject(d) } end,
    render = function(d) return create_constraint[d.constraint.type](d, d.constraint) end,
    inverse = as_kind("remove_constraint"),
  },
  remove_constraint = {
    phase = constraint_phase,
    describe = function(d) return { "remove " .. constraint_subject(d) } end,
    render = function(d) return call("drop_constraint", { str(d.constraint.name), str(d.table) }, schema_opt(d)) end,
    inverse = as_kind("add_constraint"),
  },
  -- column = the model's §7 column spec, from = the live one: a generation
  -- expression changed, which no ALTER changes before PostgreSQL 17 (issue 15 item 5)
  regenerate_column = {
    phase = "change_columns",
    describe = function(d)
      return { ("change generation of %s: %s -> %s"):format(where(d, d.column.name), shown_sql(d.from.generated),
        shown_sql(d.column.generated)) }
    end,
    render = function(d)
      return table.concat({
        ("-- the expression of a generated column cannot be altered before PostgreSQL 17: %s is dropped and added")
          :format(where(d, d.column.name)),
        call("drop_column", { str(d.table), str(d.from.name) }, schema_opt(d)),
        call("add_column", { str(d.table), write.column_spec(d.column) }, schema_opt(d)) }, "\n")
    end,
    inverse = function(d)
      local r = as_kind(d.kind)(d)
      r.column, r.from = d.from, d.column
      return r
    end,
  },
  -- from, to (strings or nil)
  table_comment = {
    phase = "change_columns",
    describe = function(d) return { "change comment of " .. table_subject(d) } end,
    render = function(d)
      if d.to == nil then return call("drop_table_comment", { str(d.table) }, schema_opt(d)) end
      return call("create_table_comment", { str(d.table), str(d.to) }, schema_opt(d))
    end,
    inverse = swap_ends,
  },
}

------------------------------------- schemas, extensions, sequences, enums, domains (#15)
-- Their records (luamig.autogen.objects) have no table; schema is the
-- object's (nil: the current one).

local function object_name(d, name)
  return (d.schema and (show(d.schema) .. ".") or "") .. show(name)
end

-- op.create_sequence with the values CREATE SEQUENCE would not pick itself.
local function create_sequence_call(d)
  local s, parts = d.sequence, {}
  local given = normalize.sequence_defaults(s.as_type, s.increment)
  given.start = s.increment > 0 and s.minvalue or s.maxvalue
  local defaults = { as_type = "bigint", increment = 1, minvalue = given.minvalue, maxvalue = given.maxvalue,
                     start = given.start, cache = 1, cycle = false }
  for _, k in ipairs { "as_type", "increment", "minvalue", "maxvalue", "start", "cache", "cycle" } do
    if s[k] ~= defaults[k] then parts[#parts + 1] = k .. " = " .. value(s[k]) end
  end
  return call("create_sequence", { str(s.name) }, schema_opt(d, parts))
end

local function sequence_change_lines(d)
  local out = {}
  for _, k in ipairs { "as_type", "increment", "minvalue", "maxvalue", "start", "cache", "cycle" } do
    local c = d.changes[k]
    if c then
      out[#out + 1] = ("change %s of sequence %s: %s -> %s"):format(k, object_name(d, d.sequence),
        tostring(c.from), tostring(c.to))
    end
  end
  return out
end

local function alter_sequence_call(d)
  local parts = {}
  for _, k in ipairs { "as_type", "increment", "minvalue", "maxvalue", "start", "cache", "cycle" } do
    if d.changes[k] then parts[#parts + 1] = k .. " = " .. value(d.changes[k].to) end
  end
  return call("alter_sequence", { str(d.sequence) }, schema_opt(d, parts))
end

-- A step ALTER TYPE cannot take: said in a comment, and the revision
-- stops there rather than leave the type otherwise than the model.
local function refused(d, what)
  local msg = ("enum %s: %s; PostgreSQL's ALTER TYPE only adds values: write this step by hand"):format(
    object_name(d, d.enum), what)
  return "-- " .. msg .. "\n" .. ("error(%s, 0)"):format(str(msg))
end

local function values_text(list)
  local parts = {}
  for i, v in ipairs(list) do parts[i] = str(v) end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

M.kinds.add_schema = {
  phase = "create_schemas",
  describe = function(d) return { "add schema " .. show(d.name) } end,
  render = function(d) return call("create_schema", { str(d.name) }) end,
  inverse = as_kind("remove_schema"),
}
M.kinds.remove_schema = {
  phase = "drop_schemas",
  describe = function(d) return { "remove schema " .. show(d.name) } end,
  render = function(d) return call("drop_schema", { str(d.name) }) end,
  inverse = as_kind("add_schema"),
}
-- extension = { name, schema }
M.kinds.add_extension = {
  phase = "create_extensions",
  describe = function(d) return { "add extension " .. show(d.extension.name) } end,
  render = function(d)
    local e = d.extension
    local parts = e.schema and { "schema = " .. str(e.schema) } or {}
    parts[#parts + 1] = "if_not_exists = true"
    return call("create_extension", { str(e.name) }, parts)
  end,
  inverse = as_kind("remove_extension"),
}
M.kinds.remove_extension = {
  phase = "drop_extensions",
  describe = function(d) return { "remove extension " .. show(d.extension.name) } end,
  render = function(d) return call("drop_extension", { str(d.extension.name) }) end,
  inverse = as_kind("add_extension"),
}
-- sequence = { name, as_type, increment, minvalue, maxvalue, start, cache, cycle } (every value)
M.kinds.add_sequence = {
  phase = "create_sequences",
  describe = function(d) return { "add sequence " .. object_name(d, d.sequence.name) } end,
  render = create_sequence_call,
  inverse = as_kind("remove_sequence"),
}
M.kinds.remove_sequence = {
  phase = "drop_sequences",
  describe = function(d) return { "remove sequence " .. object_name(d, d.sequence.name) } end,
  render = function(d) return call("drop_sequence", { str(d.sequence.name) }, schema_opt(d)) end,
  inverse = as_kind("add_sequence"),
}
-- sequence = its name, changes = { field = { from, to } }
M.kinds.alter_sequence = {
  phase = "create_sequences",
  describe = sequence_change_lines,
  render = alter_sequence_call,
  inverse = swap_changes,
}
-- sequence = its name, from, to = "table.column" or nil (none)
M.kinds.sequence_owner = {
  phase = function(d) return d.to == nil and "disown_sequences" or "own_sequences" end,
  describe = function(d)
    return { ("change owner of sequence %s: %s -> %s"):format(object_name(d, d.sequence), d.from or "none",
      d.to or "none") }
  end,
  render = function(d)
    local owner = d.to == nil and "op.NULL" or str(d.to)
    return call("alter_sequence", { str(d.sequence) }, schema_opt(d, { "owned_by = " .. owner }))
  end,
  inverse = swap_ends,
}
-- enum = { name, values }
M.kinds.add_enum = {
  phase = "create_types",
  describe = function(d) return { "add enum " .. object_name(d, d.enum.name) } end,
  render = function(d) return call("create_enum", { str(d.enum.name), value(d.enum.values) }, schema_opt(d)) end,
  inverse = as_kind("remove_enum"),
}
M.kinds.remove_enum = {
  phase = "drop_types",
  describe = function(d) return { "remove enum " .. object_name(d, d.enum.name) } end,
  render = function(d) return call("drop_enum", { str(d.enum.name) }, schema_opt(d)) end,
  inverse = as_kind("add_enum"),
}
-- enum = its name, value, after or before (a value already there)
M.kinds.add_enum_value = {
  phase = "create_types",
  describe = function(d) return { ("add value %s to enum %s"):format(str(d.value), object_name(d, d.enum)) } end,
  render = function(d)
    local opts = write.fields(d, { "after", "before" })
    -- the value is usable once added in a transaction of its own
    return ("op.autocommit(function() %s end)"):format(call("add_enum_value", { str(d.enum), str(d.value) },
      schema_opt(d, opts)))
  end,
  inverse = as_kind("remove_enum_value"),
}
M.kinds.remove_enum_value = {
  phase = "create_types",
  describe = function(d) return { ("remove value %s from enum %s"):format(str(d.value), object_name(d, d.enum)) } end,
  render = function(d) return refused(d, "value " .. str(d.value) .. " would have to go") end,
  inverse = as_kind("add_enum_value"),
}
-- enum = its name, from, to: value lists where values went or moved
M.kinds.enum_values = {
  phase = "create_types",
  describe = function(d)
    return { ("change values of enum %s: %s -> %s"):format(object_name(d, d.enum), values_text(d.from),
      values_text(d.to)) }
  end,
  render = function(d)
    return refused(d, ("values %s -> %s"):format(values_text(d.from), values_text(d.to)))
  end,
  inverse = swap_ends,
}

-- domain = { name, type, nullable, default, constraints = { { name, check } } }
M.kinds.add_domain = {
  phase = "create_types",
  describe = function(d) return { "add domain " .. object_name(d, d.domain.name) } end,
  render = function(d)
    local dom = d.domain
    local opts = write.fields(dom, { "nullable", "default" }, schema_opt(d))
    if #dom.constraints > 0 then
      local cs = {}
      for i, c in ipairs(dom.constraints) do cs[i] = braces(write.fields(c, { "name", "check" })) end
      opts[#opts + 1] = "constraints = " .. braces(cs)
    end
    return call("create_domain", { str(dom.name), str(dom.type) }, opts)
  end,
  inverse = as_kind("remove_domain"),
}
M.kinds.remove_domain = {
  phase = "drop_types",
  describe = function(d) return { "remove domain " .. object_name(d, d.domain.name) } end,
  render = function(d) return call("drop_domain", { str(d.domain.name) }, schema_opt(d)) end,
  inverse = as_kind("add_domain"),
}

------------------------------------ functions, triggers, views (issue 15)
-- func = { name, args, identity, returns, language, body, volatility, parallel, leakproof, strict,
-- security_definer, cost, rows, set, procedure }; trigger = { name, table, timing, events, columns,
-- each, when, execute }; view = { name, sql, materialized }. Their table field is the trigger's table.

local function qualified_name(d, name)
  return (d.schema and (show(d.schema) .. ".") or "") .. show(name)
end

local function function_subject(d, f)
  return ("%s %s(%s)"):format(f.procedure and "procedure" or "function", qualified_name(d, f.name), f.identity or f.args or "")
end

local FUNCTION_FIELDS = { "args", "returns", "language", "body", "volatility", "parallel", "leakproof", "strict",
                          "security_definer", "cost", "rows", "set", "procedure", "comment" }

local function create_function_call(d, f, replace)
  local parts = write.fields(f, FUNCTION_FIELDS)
  if replace then parts[#parts + 1] = "replace = true" end
  return call("create_function", { str(f.name), braces(schema_opt(d, parts)) })
end

local function trigger_subject(d)
  return ("trigger %s on %s"):format(show(d.trigger.name), where(d))
end

local function view_subject(d)
  return ("%s %s"):format(d.view.materialized and "materialized view" or "view", qualified_name(d, d.view.name))
end

M.kinds.add_function = {
  phase = "create_dependents",
  describe = function(d) return { "add " .. function_subject(d, d.func) } end,
  render = function(d) return create_function_call(d, d.func) end,
  inverse = as_kind("remove_function"),
}
M.kinds.remove_function = {
  phase = "drop_dependents",
  describe = function(d) return { "remove " .. function_subject(d, d.func) } end,
  render = function(d)
    local f = d.func
    return call("drop_function", { str(f.name) },
      schema_opt(d, write.fields({ args = f.identity, procedure = f.procedure }, { "args", "procedure" })))
  end,
  inverse = as_kind("add_function"),
}
-- from, to: functions of the same signature and result type (CREATE OR REPLACE)
M.kinds.replace_function = {
  phase = "create_dependents",
  describe = function(d) return { "change " .. function_subject(d, d.to) } end,
  render = function(d) return create_function_call(d, d.to, true) end,
  inverse = swap_ends,
}
M.kinds.add_trigger = {
  phase = "create_dependents",
  describe = function(d) return { "add " .. trigger_subject(d) } end,
  render = function(d)
    local t = d.trigger
    return call("create_trigger", { str(t.name), str(d.table),
      braces(schema_opt(d, write.fields(t, { "timing", "events", "columns", "each", "when", "execute" }))) })
  end,
  inverse = as_kind("remove_trigger"),
}
M.kinds.remove_trigger = {
  phase = "drop_dependents",
  describe = function(d) return { "remove " .. trigger_subject(d) } end,
  render = function(d) return call("drop_trigger", { str(d.trigger.name), str(d.table) }, schema_opt(d)) end,
  inverse = as_kind("add_trigger"),
}
M.kinds.add_view = {
  phase = "create_dependents",
  describe = function(d) return { "add " .. view_subject(d) } end,
  render = function(d)
    local v = d.view
    return call("create_view", { str(v.name), str(v.sql) },
      schema_opt(d, write.fields({ materialized = v.materialized }, { "materialized" })))
  end,
  inverse = as_kind("remove_view"),
}
M.kinds.remove_view = {
  phase = "drop_dependents",
  describe = function(d) return { "remove " .. view_subject(d) } end,
  render = function(d)
    return call("drop_view", { str(d.view.name) },
      schema_opt(d, write.fields({ materialized = d.view.materialized }, { "materialized" })))
  end,
  inverse = as_kind("add_view"),
}

-- policy = { name, table, command, roles, using, with_check, permissive }
local function policy_subject(d) return ("policy %s on %s"):format(show(d.policy.name), where(d)) end

M.kinds.add_policy = {
  phase = "create_dependents",
  describe = function(d) return { "add " .. policy_subject(d) } end,
  render = function(d)
    local p = d.policy
    return call("create_policy", { str(p.name), str(d.table),
      braces(schema_opt(d, write.fields(p, { "command", "roles", "using", "with_check", "permissive" }))) })
  end,
  inverse = as_kind("remove_policy"),
}
M.kinds.remove_policy = {
  phase = "drop_dependents",
  describe = function(d) return { "remove " .. policy_subject(d) } end,
  render = function(d) return call("drop_policy", { str(d.policy.name), str(d.table) }, schema_opt(d)) end,
  inverse = as_kind("add_policy"),
}
-- from, to: { force } or nil (row security off)
M.kinds.row_security = {
  phase = function(d) return d.to and "create_dependents" or "drop_dependents" end,
  describe = function(d)
    if d.to == nil then return { "disable row security on " .. where(d) } end
    if d.from == nil then return { "enable row security on " .. where(d) } end
    return { ("change row security of %s: %s"):format(where(d), d.to.force and "force" or "no force") }
  end,
  render = function(d)
    if d.to == nil then return call("disable_row_security", { str(d.table) }, schema_opt(d)) end
    return call("enable_row_security", { str(d.table) },
      schema_opt(d, write.fields({ force = d.to.force }, { "force" })))
  end,
  inverse = swap_ends,
}

------------------------------------------------- partitions (#15 item 9)

local function partition_subject(d)
  local p = d.def.partition
  return ("partition %s of %s"):format(where(d), where { schema = p.parent_schema, table = p.parent })
end

local function create_partition_call(d)
  local p = d.def.partition
  local opts = schema_opt(d)
  if p.parent_schema then opts[#opts + 1] = "parent_schema = " .. str(p.parent_schema) end
  return call("create_partition", { str(d.table), str(p.parent), str(p.bound) }, opts)
end

-- def = { name, schema, partition = { parent, parent_schema, bound } }
M.kinds.add_partition = {
  phase = "create_tables",
  describe = function(d) return { "add " .. partition_subject(d) } end,
  render = create_partition_call,
  inverse = as_kind("remove_partition"),
}
M.kinds.remove_partition = {
  phase = "drop_tables",
  describe = function(d) return { "remove " .. partition_subject(d) } end,
  render = function(d) return call("drop_table", { str(d.table) }, schema_opt(d)) end,
  inverse = as_kind("add_partition"),
}

-------------------------------------------- table storage (#15 item 11)

local function storage_lines(d)
  local c, out = d.changes, {}
  if c.unlogged then
    out[#out + 1] = ("change persistence of %s: %s -> %s"):format(table_subject(d),
      c.unlogged.from and "UNLOGGED" or "LOGGED", c.unlogged.to and "UNLOGGED" or "LOGGED")
  end
  if c.with then out[#out + 1] = "change storage options of " .. table_subject(d) end
  return out
end

-- op.alter_table setting the options of c.with.to that differ and
-- resetting those it does not have.
local function storage_call(d)
  local c, parts = d.changes, {}
  if c.unlogged then parts[#parts + 1] = "unlogged = " .. tostring(c.unlogged.to) end
  if c.with then
    local from, to, set, reset = c.with.from or {}, c.with.to or {}, {}, {}
    for k, v in pairs(to) do
      if tostring(from[k]):lower() ~= tostring(v):lower() then set[k] = v end
    end
    for k in pairs(from) do if to[k] == nil then reset[#reset + 1] = k end end
    table.sort(reset)
    if next(set) then parts[#parts + 1] = "with = " .. write.keyed(set) end
    if #reset > 0 then parts[#parts + 1] = "reset = " .. value(reset) end
  end
  return call("alter_table", { str(d.table), braces(schema_opt(d, parts)) })
end

-- changes = { unlogged = { from, to } (booleans), with = { from, to } (storage options or nil) }
M.kinds.table_storage = {
  phase = "change_columns",
  describe = storage_lines,
  render = storage_call,
  inverse = swap_changes,
}
-- column, from, to: statistics targets, nil for the default; dropping: of a table being dropped
M.kinds.column_statistics = {
  phase = function(d) return d.dropping and "drop_indexes_and_constraints" or "change_columns" end,
  describe = function(d)
    return { ("change statistics of %s: %s -> %s"):format(where(d, d.column), d.from or "default", d.to or "default") }
  end,
  render = function(d)
    return call("alter_column", { str(d.table), str(d.column), braces(schema_opt(d, { "statistics = " .. (d.to or -1) })) })
  end,
  inverse = swap_ends,
}

-- The entry of record d's kind.
function M.of(d) return M.kinds[d.kind] end

-- The name of the phase record d belongs to.
function M.phase(d)
  local phase = M.of(d).phase
  if type(phase) == "function" then return phase(d) end
  return phase
end

return M
