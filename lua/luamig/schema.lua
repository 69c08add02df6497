-- The model DSL for autogenerate: a metadata is a list of tables, each with
-- columns in exactly the §7 column spec, indexes and table-level
-- constraints. Everything is validated when the model is built, so a typo
-- in models.lua fails with one line naming the table and column instead of
-- turning into a surprising migration later.
--
--   schema.metadata { schema.table(name, columns, opts), schema.partition(name, parent, bound, opts), ... }
--   opts = { schema = "app", comment = "...", partition_by = "RANGE (col)", unlogged = true,
--            with = { fillfactor = 70 }, statistics = { col = 500 },
--            indexes = { { "ix_name", { "col", { expr = "lower(x)" }, { "y", desc = true, nulls = "last" },
--                                       { "z", opclass = "text_pattern_ops", collation = "C" } },
--                          unique = true, where = "...", using = "gin", include = { "w" },
--                          nulls_not_distinct = true, with = { fillfactor = 70 } } },
--            constraints = {
--              { type = "unique", name = "uq", columns = { "a", "b" } },
--              { type = "check", name = "ck", expr = "a > 0" },
--              { type = "foreign_key", name = "fk", columns = { "team_id" },
--                referent = "teams", remote_columns = { "id" }, referent_schema = nil,
--                ondelete = "CASCADE", onupdate = nil },
--              { type = "primary_key", name = "pk", columns = { "a", "b" } },
--            } }
--
-- A foreign key may also say references = "teams.id" | { table = "teams", columns = { "id" }, schema = nil }.
-- The keys of columns, indexes and constraints are the ones op takes
-- (luamig.ddl.keys): a column may say identity = "always" | { "by
-- default", start = 100, ... } or generated = "<expr>"; a foreign key
-- match = "full", deferrable and initially; a unique constraint
-- deferrable and initially.
local args = require("luamig.args")
local ddl = require("luamig.ddl")
local lists = require("luamig.lists")

local fail, keys = args.fail, ddl.keys
local M = {}

-- Tables built by M.table carry this metatable, so metadata can tell them
-- from a stray table literal.
local Table = {}
Table.__index = Table

-- Checks that t holds only keys in `known` (positional keys up to npos).
local function known_keys(what, t, known, npos)
  args.known_keys(what, "option", t, known, npos)
end

local function columns_exist(what, cols, by_name)
  for _, c in ipairs(cols) do
    if not by_name[c] then fail(what, "unknown column %q", c) end
  end
end

------------------------------------------------------------------ columns

-- ddl.column names the column in most messages; this makes it all of them.
local function column_of(what, spec)
  local ok, col = pcall(ddl.column, what, spec)
  if ok then return col end
  local name = type(spec) == "table" and (spec[1] or spec.name)
  local prefix = what .. ": "
  if type(name) == "string" and col:sub(1, #prefix) == prefix and col:sub(#prefix + 1, #prefix + 7) ~= "column " then
    col = ("%scolumn %q: %s"):format(prefix, name, col:sub(#prefix + 1))
  end
  error(col, 0)
end

local function columns_of(what, columns)
  if type(columns) ~= "table" or #columns == 0 then
    fail(what, "columns must be a non-empty list of column specs")
  end
  local out, by_name = {}, {}
  for i, spec in ipairs(columns) do
    local col = column_of(what, spec)
    if by_name[col.name] then fail(what, "column %q is defined twice", col.name) end
    out[i], by_name[col.name] = col, col
  end
  return out, by_name
end

------------------------------------------------------------------ indexes

-- an index as op.create_index takes it, with its name and columns
local index_keys = lists.merge(keys.index, { name = "string", columns = "string|table" })

-- An index column as op.create_index takes it; a name must be one of the
-- table's columns.
local function index_element(iwhat, col, by_name)
  local c = ddl.index_column(iwhat, col)
  local name = type(c) == "string" and c or c.name
  if name ~= nil and not by_name[name] then fail(iwhat, "unknown column %q", tostring(name)) end
  return c
end

local function index_of(what, idx, by_name)
  if type(idx) ~= "table" then fail(what, "an index must be a table { name, columns, ... }") end
  local name = idx[1] or idx.name
  if type(name) ~= "string" or name == "" then fail(what, "an index needs a name") end
  local iwhat = ("%s: index %q"):format(what, name)
  known_keys(iwhat, idx, index_keys, 2)
  local cols = idx[2] or idx.columns
  if type(cols) == "string" then cols = { cols } end
  if type(cols) ~= "table" or #cols == 0 then fail(iwhat, "columns must be a non-empty list") end
  local out = {}
  for i, c in ipairs(cols) do out[i] = index_element(iwhat, c, by_name) end
  for k, types in pairs(keys.index) do
    if idx[k] ~= nil and not args.is_a(idx[k], types) then
      fail(iwhat, "%s must be a %s, got %s", k, types, args.type_of(idx[k]))
    end
  end
  local include = idx.include ~= nil and args.name_list(iwhat, "include", idx.include) or nil
  if include then columns_exist(iwhat, include, by_name) end
  -- the dialect checks expressions, predicate, access method and storage options
  ddl.create_index(iwhat, name, "t", out, { where = idx.where, using = idx.using, include = include,
                                            nulls_not_distinct = idx.nulls_not_distinct, with = idx.with })
  return { name = name, columns = out, unique = idx.unique == true, where = idx.where, using = idx.using,
           include = include, nulls_not_distinct = idx.nulls_not_distinct or nil, with = idx.with }
end

-------------------------------------------------------------- constraints

-- the referenced table and columns, as the dialect reads them
local function foreign_key_of(cwhat, c, out)
  local r = ddl.foreign_key_target(cwhat, c)
  out.referent, out.referent_schema = r.table, r.schema
  out.remote_columns = args.name_list(cwhat, "remote_columns", r.columns)
  out.ondelete, out.onupdate = r.ondelete, r.onupdate
  out.match, out.deferrable, out.initially = r.match, r.deferrable, r.initially
  if type(out.referent) ~= "string" or out.referent == "" then fail(cwhat, "a foreign key needs a referent table") end
  if #out.remote_columns ~= #out.columns then
    fail(cwhat, "%d local columns but %d remote columns", #out.columns, #out.remote_columns)
  end
end

-- An exclusion constraint (#15 item 11): named, as a check constraint
-- (the server's name for an unnamed one depends on its elements), its
-- elements' columns the table's.
local function exclude_of(cwhat, c, out, by_name)
  if c.name == nil then fail(cwhat, "an exclusion constraint needs a name") end
  if type(c.elements) ~= "table" or #c.elements == 0 then fail(cwhat, "elements must be a non-empty list") end
  out.elements = {}
  for i, e in ipairs(c.elements) do
    local el = ddl.exclude_element(cwhat, e)
    if el.name ~= nil and not by_name[el.name] then fail(cwhat, "unknown column %q", el.name) end
    out.elements[i] = el
  end
  out.using, out.where = c.using, c.where
  return out
end

local function constraint_of(what, c, by_name)
  if type(c) ~= "table" then fail(what, "a constraint must be a table { type = ..., ... }") end
  local known = keys.constraint[c.type]
  if not known then
    fail(what, "unknown constraint type %q (unique, check, foreign_key, primary_key, exclude)", tostring(c.type))
  end
  if c.name ~= nil and (type(c.name) ~= "string" or c.name == "") then
    fail(what, "a constraint name must be a non-empty string")
  end
  local cwhat = ("%s: %s constraint %s"):format(what, c.type, c.name and ("%q"):format(c.name) or "(unnamed)")
  known_keys(cwhat, c, known, 0)
  local out = { type = c.type, name = c.name }
  if c.type == "check" then
    -- the server invents the name of an unnamed table check from its
    -- expression, which autogenerate cannot predict
    if c.name == nil then fail(cwhat, "a check constraint needs a name") end
    if type(c.expr) ~= "string" then fail(cwhat, "expr must be a string of SQL") end
    out.expr = c.expr
    return out
  end
  if c.type == "exclude" then return exclude_of(cwhat, c, out, by_name) end
  out.columns = args.name_list(cwhat, "columns", c.columns)
  columns_exist(cwhat, out.columns, by_name)
  if c.type == "unique" then out.deferrable, out.initially = c.deferrable, c.initially end
  if c.type == "foreign_key" then foreign_key_of(cwhat, c, out) end
  return out
end

-- Several columns marked primary_key make one composite key (as in
-- op.create_table); a primary_key constraint besides them would be a second.
local function primary_keys(what, columns, constraints)
  local marked, count = false, 0
  for _, col in ipairs(columns) do marked = marked or col.primary_key == true end
  for _, c in ipairs(constraints) do if c.type == "primary_key" then count = count + 1 end end
  if count + (marked and 1 or 0) > 1 then
    fail(what, "more than one primary key (mark the columns primary_key or use one primary_key constraint)")
  end
end

------------------------------------------------------------------- tables

local table_keys = lists.set_of { "schema", "indexes", "constraints", "comment", "partition_by", "unlogged", "with",
                                  "statistics", "inherits" }

local function list_of(what, v, argname)
  if v == nil then return {} end
  if type(v) ~= "table" then fail(what, "%s must be a list", argname) end
  return v
end

-- #15 item 11: unlogged = true, with = { fillfactor = 70 } (storage
-- options), statistics = { column = target }.
local function table_storage(what, t, opts, by_name)
  if opts.unlogged ~= nil and type(opts.unlogged) ~= "boolean" then fail(what, "unlogged must be a boolean") end
  if opts.with ~= nil and type(opts.with) ~= "table" then fail(what, "with must be a table of storage options") end
  if opts.statistics ~= nil and type(opts.statistics) ~= "table" then
    fail(what, "statistics must be a table { column = target }")
  end
  for col, n in pairs(opts.statistics or {}) do
    if not by_name[col] then fail(what, "statistics: unknown column %q", tostring(col)) end
    if math.type(n) ~= "integer" or n < 0 then
      fail(what, "statistics of column %q must be a non-negative integer, got %s", col, tostring(n))
    end
  end
  t.unlogged, t.with, t.statistics = opts.unlogged or nil, opts.with, opts.statistics
end

-- #15 item 11: inherits = { parent schema.table, ... }; the table's
-- indexes and constraints may name the parents' columns too. Returns the
-- columns by name, own and inherited (kept as t.all_columns for its own
-- children).
local function inherited_columns(what, t, inherits, by_name)
  t.all_columns = by_name
  if inherits == nil then return by_name end
  if type(inherits) ~= "table" or #inherits == 0 then fail(what, "inherits must be a non-empty list of schema.table(...)") end
  local all = {}
  for i, p in ipairs(inherits) do
    if getmetatable(p) ~= Table or p.partition_of then fail(what, "inherits[%d] is not a schema.table(...)", i) end
    for k, v in pairs(p.all_columns) do all[k] = v end
  end
  for k, v in pairs(by_name) do all[k] = v end
  t.inherits, t.all_columns = inherits, all
  return all
end

local function indexes_and_constraints(what, t, opts, by_name)
  for i, c in ipairs(list_of(what, opts.constraints, "constraints")) do
    t.constraints[i] = constraint_of(what, c, by_name)
  end
  for i, idx in ipairs(list_of(what, opts.indexes, "indexes")) do
    t.indexes[i] = index_of(what, idx, by_name)
  end
end

function M.table(name, columns, opts)
  if type(name) ~= "string" or name == "" then error("schema.table: a table needs a non-empty name", 0) end
  opts = opts or {}
  local what = ("table %q"):format(name)
  if type(opts) ~= "table" then fail(what, "options must be a table") end
  known_keys(what, opts, table_keys, 0)
  if opts.schema ~= nil and (type(opts.schema) ~= "string" or opts.schema == "") then
    fail(what, "schema must be a non-empty string")
  end
  if opts.comment ~= nil and type(opts.comment) ~= "string" then fail(what, "comment must be a string") end
  local cols, by_name = columns_of(what, columns)
  local t = setmetatable({ name = name, schema = opts.schema, comment = opts.comment,
                           columns = cols, indexes = {}, constraints = {}, partition_by = opts.partition_by }, Table)
  by_name = inherited_columns(what, t, opts.inherits, by_name)
  indexes_and_constraints(what, t, opts, by_name)
  primary_keys(what, cols, t.constraints)
  table_storage(what, t, opts, by_name)
  -- the dialect builds the CREATE TABLE once, which checks what only SQL
  -- generation looks at (referential actions, check expressions)
  ddl.create_table(what, name, cols, { schema = t.schema, constraints = t.constraints, partition_by = t.partition_by,
                                       unlogged = t.unlogged, with = t.with })
  return t
end

------------------------------------------------- partitions (#15 item 9)

local partition_keys = lists.set_of { "schema", "indexes", "constraints" }

-- A partition of parent (a schema.table with partition_by): bound is
-- "FOR VALUES ..." or "DEFAULT", as CREATE TABLE ... PARTITION OF takes
-- it; its columns are the parent's, its indexes and constraints its own
-- (those it gets from the parent are the parent's).
function M.partition(name, parent, bound, opts)
  if type(name) ~= "string" or name == "" then error("schema.partition: a partition needs a non-empty name", 0) end
  opts = opts or {}
  local what = ("partition %q"):format(name)
  if getmetatable(parent) ~= Table or parent.partition_by == nil then
    fail(what, "the parent must be a schema.table(...) with partition_by")
  end
  if type(opts) ~= "table" then fail(what, "options must be a table") end
  known_keys(what, opts, partition_keys, 0)
  if opts.schema ~= nil and (type(opts.schema) ~= "string" or opts.schema == "") then
    fail(what, "schema must be a non-empty string")
  end
  ddl.create_partition(what, name, parent.name, bound, { schema = opts.schema, parent_schema = parent.schema })
  local by_name = {}
  for _, col in ipairs(parent.columns) do by_name[col.name] = col end
  local t = setmetatable({ name = name, schema = opts.schema, columns = {}, indexes = {}, constraints = {},
                           partition_of = parent, bound = bound }, Table)
  indexes_and_constraints(what, t, opts, by_name)
  return t
end

------------------------------------ functions, triggers, views (issue 15)
--   schema.func(name, { args = "a integer", returns = "trigger", language = "plpgsql", body = [[...]],
--                       volatility, parallel, leakproof, strict, security_definer, cost, rows,
--                       set = { "search_path=public" }, procedure = true, schema = "app" })
--   schema.trigger(name, table, { timing = "BEFORE", events = { "INSERT", "UPDATE" }, columns,
--                                 each = "ROW", when = "<SQL>", execute = "app.fn()", schema = "app",
--                                 old_table = "gone", new_table = "came",        -- REFERENCING
--                                 constraint = true, deferrable = true, initially = "DEFERRED",
--                                 comment = "..." })
--   schema.view(name, "SELECT ...", { schema = "app", materialized = true, comment = "...",
--                                     indexes = { as a table's } })
--   schema.aggregate(name, { args = "text", sfunc = "_group_concat", stype = "text", ... })
--   schema.policy(name, table, { command = "SELECT", roles = { "app_user" }, using = "<SQL>",
--                                with_check = "<SQL>", permissive = false, schema = "app", comment = "..." })
--   schema.row_security(table, { force = true, schema = "app" })   -- row-level security enabled
-- Each is checked by building its statement once, as for tables.

-- Objects other than tables that a metadata holds, by metatable.
local Dependent = { Function = { list = "functions" }, Trigger = { list = "triggers" }, View = { list = "views" },
                    Policy = { list = "policies" }, RowSecurity = { list = "row_security" },
                    Aggregate = { list = "aggregates" } }

local function spec_of(what, spec, known)
  if type(spec) ~= "table" then fail(what, "expects a table of options") end
  return args.options(what, spec, known)
end

local function object_name(kind, name)
  if type(name) ~= "string" or name == "" then error(("schema.%s: a %s needs a non-empty name"):format(kind, kind), 0) end
end

local FUNCTION_KEYS = {
  args = "string", returns = "string", language = "string", body = "string", volatility = "string",
  parallel = "string", leakproof = "boolean", strict = "boolean", security_definer = "boolean",
  cost = "number", rows = "number", set = "table", procedure = "boolean", schema = "string", comment = "string",
}

function M.func(name, spec)
  object_name("func", name)
  local what = ("function %q"):format(name)
  local f = lists.merge(spec_of(what, spec, FUNCTION_KEYS), { name = name })
  if f.returns == nil and not f.procedure then fail(what, "returns is needed (or procedure = true)") end
  ddl.create_function(what, name, f, { schema = f.schema })
  return setmetatable(f, Dependent.Function)
end

local TRIGGER_KEYS = ddl.keys.trigger

function M.trigger(name, table_name, spec)
  object_name("trigger", name)
  local what = ("trigger %q"):format(name)
  args.non_empty_string(what, "table name", table_name)
  local t = lists.merge(spec_of(what, spec, TRIGGER_KEYS), { name = name, table = table_name })
  if type(t.events) == "string" then t.events = { t.events } end
  if type(t.columns) == "string" then t.columns = { t.columns } end
  ddl.create_trigger(what, name, table_name, t, t)
  return setmetatable(t, Dependent.Trigger)
end

-- a materialized view's columns are its query's, which only the server knows
local ANY_COLUMN = setmetatable({}, { __index = function() return true end })

function M.view(name, sql, opts)
  object_name("view", name)
  local what = ("view %q"):format(name)
  local v = lists.merge(spec_of(what, opts or {}, { schema = "string", materialized = "boolean", comment = "string",
                                                    indexes = "table" }),
    { name = name, sql = sql })
  ddl.create_view(what, name, sql, v)
  if v.indexes and next(v.indexes) and not v.materialized then fail(what, "only a materialized view has indexes") end
  local indexes = {}
  for i, idx in ipairs(v.indexes or {}) do indexes[i] = index_of(what, idx, ANY_COLUMN) end
  v.indexes = indexes
  return setmetatable(v, Dependent.View)
end

-- An aggregate (pagila's group_concat): the clauses of CREATE AGGREGATE
-- as ddl.keys.aggregate names them.
function M.aggregate(name, spec)
  object_name("aggregate", name)
  local what = ("aggregate %q"):format(name)
  local a = lists.merge(spec_of(what, spec, keys.aggregate), { name = name })
  ddl.create_aggregate(what, name, a, { schema = a.schema })
  return setmetatable(a, Dependent.Aggregate)
end

local POLICY_KEYS = { command = "string", roles = "table", using = "string", with_check = "string",
                      permissive = "boolean", schema = "string", comment = "string" }

function M.policy(name, table_name, spec)
  object_name("policy", name)
  local what = ("policy %q"):format(name)
  args.non_empty_string(what, "table name", table_name)
  local p = lists.merge(spec_of(what, spec or {}, POLICY_KEYS), { name = name, table = table_name })
  ddl.create_policy(what, name, table_name, p, p)
  return setmetatable(p, Dependent.Policy)
end

function M.row_security(table_name, opts)
  args.non_empty_string("schema.row_security", "table name", table_name)
  local what = ("row security of %q"):format(table_name)
  local r = lists.merge(spec_of(what, opts or {}, { schema = "string", force = "boolean" }), { table = table_name })
  return setmetatable(r, Dependent.RowSecurity)
end

-- The list of metadata that item t belongs in, when it is not a table.
local function dependent_list(t)
  local mt = getmetatable(t)
  for _, kind in pairs(Dependent) do
    if mt == kind then return kind.list end
  end
  return nil
end

----------------------------------------------------------------- metadata

local function qualified(t)
  return t.schema and (t.schema .. "." .. t.name) or t.name
end

-- Index and constraint names live in the schema's namespace, so two of a
-- kind in one schema would collide in the database.
local function unique_names(t, seen)
  local function claim(kind, name)
    if name == nil then return end
    local key = (t.schema or "") .. "\0" .. name
    if seen[key] then
      error(("table %q: %s name %q is already used by table %q"):format(qualified(t), kind, name, seen[key]), 0)
    end
    seen[key] = qualified(t)
  end
  for _, idx in ipairs(t.indexes) do claim("index", idx.name) end
  for _, c in ipairs(t.constraints) do
    if c.type ~= "check" and c.type ~= "foreign_key" then claim("constraint", c.name) end
  end
end

-------------------------------------- extensions, sequences, enums (#15)
--
--   schema.extension("citext", { schema = "public" })
--   schema.sequence("store_id_seq", { schema =, as_type = "integer", start =, increment =, minvalue =,
--                                     maxvalue =, cache =, cycle =, owned_by = "store.store_id" })
--   schema.enum("mpaa_rating", { "G", "PG", "PG-13" }, { schema = "public" })
--   schema.domain("year", "integer", { constraints = { { name = "year_check", check = "VALUE >= 1901" } } })
--
-- They go into the metadata's list beside the tables.

-- Objects other than tables carry this metatable; kind names which.
local Object = {}

local sequence_keys = lists.set_of { "schema", "as_type", "start", "increment", "minvalue", "maxvalue", "cache",
                                     "cycle", "owned_by" }

local function object_head(fname, name, opts, known)
  if type(name) ~= "string" or name == "" then error(("schema.%s: needs a non-empty name"):format(fname), 0) end
  local what = ("%s %q"):format(fname, name)
  if opts ~= nil and type(opts) ~= "table" then fail(what, "options must be a table") end
  opts = opts or {}
  known_keys(what, opts, known, 0)
  if opts.schema ~= nil and (type(opts.schema) ~= "string" or opts.schema == "") then
    fail(what, "schema must be a non-empty string")
  end
  return what, opts
end

-- A schema of the model's own, for one that holds nothing autogenerate
-- manages (grants only, say): without it, a schema read and empty of the
-- model is one to drop.
function M.schema(name)
  object_head("schema", name, nil, {})
  return setmetatable({ kind = "schema", name = name }, Object)
end

function M.extension(name, opts)
  local _, o = object_head("extension", name, opts, { schema = true })
  return setmetatable({ kind = "extension", name = name, schema = o.schema }, Object)
end

function M.sequence(name, opts)
  local what, o = object_head("sequence", name, opts, sequence_keys)
  ddl.create_sequence(what, name, o)  -- the dialect checks types and numbers
  local seq = { kind = "sequence", name = name }
  for k in pairs(sequence_keys) do seq[k] = o[k] end
  return setmetatable(seq, Object)
end

function M.enum(name, values, opts)
  local what, o = object_head("enum", name, opts, { schema = true })
  if type(values) ~= "table" or #values == 0 then fail(what, "values must be a non-empty list of strings") end
  ddl.create_enum(what, name, values, o)
  local seen = {}
  for _, v in ipairs(values) do
    if seen[v] then fail(what, "value %q is listed twice", v) end
    seen[v] = true
  end
  return setmetatable({ kind = "enum", name = name, schema = o.schema, values = lists.copy(values) }, Object)
end

-- schema.domain("year", "integer", { schema =, nullable = false, default = "...",
--                                   constraints = { { name = "year_check", check = "VALUE >= 1901" } } })
local domain_keys = lists.set_of { "schema", "nullable", "default", "constraints" }

function M.domain(name, base_type, opts)
  local what, o = object_head("domain", name, opts, domain_keys)
  ddl.create_domain(what, name, base_type, o)
  return setmetatable({ kind = "domain", name = name, schema = o.schema, type = base_type, nullable = o.nullable,
                        default = o.default, constraints = o.constraints or {} }, Object)
end

-- Files object o under out[o.kind .. "s"], refusing a second of its name.
local function add_object(out, o, seen)
  local key = o.kind .. "\0" .. (o.schema or "") .. "\0" .. o.name
  if seen[key] then error(("schema.metadata: %s %q is defined twice"):format(o.kind, o.name), 0) end
  seen[key] = true
  local list = out[o.kind .. "s"]
  list[#list + 1] = o
end

local function add_table(i, t, out, seen_tables, seen_names)
  if getmetatable(t) ~= Table then
    error(("schema.metadata: item %d is not a schema.table(...)"):format(i), 0)
  end
  local key = (t.schema or "") .. "\0" .. t.name
  if seen_tables[key] then error(("schema.metadata: table %q is defined twice"):format(qualified(t)), 0) end
  seen_tables[key] = t  -- partitions and children find their parents here
  unique_names(t, seen_names)
  out[#out + 1] = t
end

function M.metadata(tables)
  if type(tables) ~= "table" then error("schema.metadata: expects a list of schema.table(...)", 0) end
  local out, seen_tables, seen_names = {}, {}, {}
  local objects = { schemas = {}, extensions = {}, sequences = {}, enums = {}, domains = {} }
  local dependents = { functions = {}, triggers = {}, views = {}, policies = {}, row_security = {}, aggregates = {} }
  for i, t in ipairs(tables) do
    local list = dependent_list(t)
    if list then table.insert(dependents[list], t)
    elseif getmetatable(t) == Object then add_object(objects, t, seen_names)
    else add_table(i, t, out, seen_tables, seen_names) end
  end
  for _, t in ipairs(out) do
    local p = t.partition_of
    if p and seen_tables[(p.schema or "") .. "\0" .. p.name] ~= p then
      error(("schema.metadata: partition %q: its parent %q is not in the metadata"):format(qualified(t), qualified(p)), 0)
    end
    for _, parent in ipairs(t.inherits or {}) do
      if seen_tables[(parent.schema or "") .. "\0" .. parent.name] ~= parent then
        error(("schema.metadata: table %q inherits %q, which is not in the metadata"):format(qualified(t),
          qualified(parent)), 0)
      end
    end
  end
  for k in pairs(tables) do
    if math.type(k) ~= "integer" or k < 1 or k > #tables then
      error(("schema.metadata: unexpected key %q (expects a list of tables)"):format(tostring(k)), 0)
    end
  end
  local metadata = dependents
  metadata.tables = out
  for k, list in pairs(objects) do metadata[k] = list end
  return metadata
end

function M.is_table(t) return getmetatable(t) == Table end

return M
