-- The model side of autogenerate: a schema.metadata turned into table
-- descriptions of the shape luamig.autogen.catalog reads from the server,
-- with the constraints a column spec declares inline (unique, check,
-- references) listed beside the table-level ones and the names the server
-- would give the unnamed ones.
local normalize = require("luamig.autogen.normalize")

local M = {}

local default_name = normalize.default_name

local function model_fk(t, c, current, column)
  return { type = "foreign_key", name = c.name or default_name(t.name, c.columns, "fkey"), auto = c.name == nil,
           columns = c.columns, referent = c.referent, remote_columns = normalize.name_list(c.remote_columns),
           referent_schema = c.referent_schema ~= current and c.referent_schema or nil,
           ondelete = normalize.action(c.ondelete), onupdate = normalize.action(c.onupdate), column = column,
           match = normalize.match(c.match), deferrable = (normalize.deferral(c.deferrable, c.initially)),
           initially = select(2, normalize.deferral(c.deferrable, c.initially)) }
end

-- Constraints a column spec declares inline; column = its name, so they
-- are created by add_column when the column itself is new.
local function inline_constraints(t, col, m, current)
  local n = col.name
  if col.unique then
    m.uniques[#m.uniques + 1] = { type = "unique", name = default_name(t.name, { n }, "key"), auto = true,
                                  columns = { n }, column = n }
  end
  if col.check then
    m.checks[#m.checks + 1] = { type = "check", name = default_name(t.name, { n }, "check"),
                                expr = col.check, column = n }
  end
  if col.references then
    local r = col.references
    m.fks[#m.fks + 1] = model_fk(t, { columns = { n }, referent = r.table, referent_schema = r.schema,
      remote_columns = r.columns, ondelete = r.ondelete, onupdate = r.onupdate, match = r.match,
      deferrable = r.deferrable, initially = r.initially }, current, n)
  end
  if col.primary_key then m.pk_set[n] = true end
end

local function table_constraint(t, c, m, current)
  if c.type == "primary_key" then
    for _, n in ipairs(c.columns) do m.pk_set[n] = true end
    m.pk = { type = "primary_key", name = c.name or default_name(t.name, nil, "pkey"), auto = c.name == nil,
             columns = c.columns }
  elseif c.type == "unique" then
    local deferrable, initially = normalize.deferral(c.deferrable, c.initially)
    m.uniques[#m.uniques + 1] = { type = "unique", name = c.name or default_name(t.name, c.columns, "key"),
                                  auto = c.name == nil, columns = c.columns, deferrable = deferrable,
                                  initially = initially }
  elseif c.type == "check" then
    m.checks[#m.checks + 1] = { type = "check", name = c.name, expr = c.expr }
  elseif c.type == "exclude" then
    m.excludes[#m.excludes + 1] = c
  else
    local fk = model_fk(t, c, current)
    fk.source = c  -- a deferred one is left out of create_table's constraints
    m.fks[#m.fks + 1] = fk
  end
end

-- The primary key of the columns marked primary_key (one makes it, or
-- several together), named as the server names it; column = the one
-- column, whose add_column creates the key when the column is new.
local function marked_primary_key(t)
  local cols = {}
  for _, col in ipairs(t.columns) do if col.primary_key then cols[#cols + 1] = col.name end end
  if #cols == 0 then return nil end
  return { type = "primary_key", name = default_name(t.name, nil, "pkey"), auto = true, columns = cols,
           column = #cols == 1 and cols[1] or nil }
end

-- A partition's parent and bound, as luamig.autogen.catalog reads them.
local function partition_of(t, current)
  local p = t.partition_of
  if p == nil then return nil end
  return { parent = p.name, parent_schema = p.schema ~= current and p.schema or nil, bound = t.bound }
end

-- The tables t inherits from, as luamig.autogen.catalog reads them.
local function parents_of(t, current)
  if t.inherits == nil then return nil end
  local out = {}
  for i, p in ipairs(t.inherits) do out[i] = { parent = p.name, parent_schema = p.schema ~= current and p.schema or nil } end
  return out
end

local function model_table(t, current)
  local m = { schema = t.schema ~= current and t.schema or nil, name = t.name, comment = t.comment,
              columns = t.columns, constraints = t.constraints, indexes = t.indexes,
              uniques = {}, checks = {}, fks = {}, excludes = {}, pk_set = {}, real_schema = t.schema or current }
  for _, col in ipairs(t.columns) do inline_constraints(t, col, m, current) end
  for _, c in ipairs(t.constraints) do table_constraint(t, c, m, current) end
  m.pk = m.pk or marked_primary_key(t)
  m.partition_by, m.partition = t.partition_by, partition_of(t, current)
  m.unlogged, m.with, m.statistics = t.unlogged, t.with, t.statistics
  m.inherits = parents_of(t, current)
  return m
end

-- The descriptions of metadata's tables, in model order; current is the
-- connection's current schema (its tables get schema nil).
function M.tables(metadata, current)
  if type(metadata) ~= "table" or type(metadata.tables) ~= "table" then
    error("autogenerate: target_metadata must be a schema.metadata { ... }", 0)
  end
  local out = {}
  for i, t in ipairs(metadata.tables) do out[i] = model_table(t, current) end
  return out
end

return M
