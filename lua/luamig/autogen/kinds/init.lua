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
local inverse = require("luamig.autogen.kinds.inverse")

local M = {}

local str, value = lualit.string, lualit.value
local call, braces, schema_opt, where, show = write.call, write.braces, write.schema_opt, write.where, write.show
local as_kind, swap_ends, swap_changes = inverse.as_kind, inverse.swap_ends, inverse.swap_changes

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

-- the kinds of the objects tables need, and of those depending on tables
-- column = its name, from, to: the names of its identity's sequence (#15)
M.kinds.identity_sequence_name = {
  phase = "change_columns",
  describe = function(d)
    return { ("change identity sequence of %s: %s -> %s"):format(where(d, d.column), show(d.from), show(d.to)) }
  end,
  render = function(d) return call("rename_sequence", { str(d.from), str(d.to) }, schema_opt(d)) end,
  inverse = swap_ends,
}

for _, more in ipairs { require("luamig.autogen.kinds.objects"), (require("luamig.autogen.kinds.dependents")),
                        (require("luamig.autogen.kinds.lineage")) } do
  for name, entry in pairs(more.kinds) do M.kinds[name] = entry end
end

-- The entry of record d's kind.
function M.of(d) return M.kinds[d.kind] end

-- The name of the phase record d belongs to.
function M.phase(d)
  local phase = M.of(d).phase
  if type(phase) == "function" then return phase(d) end
  return phase
end

return M
