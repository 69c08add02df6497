-- The SQL of constraints: references of a column or a foreign key, the
-- table-level constraints of create_table and add_constraint, and
-- drop_constraint. Their keys are luamig.ddl.keys'.
local args = require("luamig.args")
local clause = require("luamig.ddl.clause")
local index = require("luamig.ddl.index")
local keys = require("luamig.ddl.keys")
local quote = require("luamig.ddl.quote")

local fail, ident, ident_list, keyword = args.fail, quote.ident, clause.ident_list, clause.keyword
local M = {}

local referential_actions = { "CASCADE", "RESTRICT", "SET NULL", "SET DEFAULT", "NO ACTION" }

-- DEFERRABLE (true), NOT DEFERRABLE (false), INITIALLY DEFERRED|IMMEDIATE:
-- Alembic's deferrable/initially pair.
local function deferral(what, deferrable, initially)
  local sql = ""
  if deferrable ~= nil then sql = deferrable and " DEFERRABLE" or " NOT DEFERRABLE" end
  if initially ~= nil then
    sql = sql .. " INITIALLY " .. keyword(what, "initially", initially, { "DEFERRED", "IMMEDIATE" })
  end
  return sql
end
M.deferral = deferral  -- a constraint trigger's too

-- "table.column", "schema.table.column", or { table, column, schema=,
-- ondelete=, onupdate=, deferrable=, initially= } (columns = {...} for a
-- composite key). Names holding a dot need the table form.
function M.parse_reference(what, ref)
  if type(ref) == "string" then
    local parts = {}
    for p in ref:gmatch("[^.]+") do parts[#parts + 1] = p end
    if #parts == 2 then return { table = parts[1], columns = { parts[2] } } end
    if #parts == 3 then return { schema = parts[1], table = parts[2], columns = { parts[3] } } end
    fail(what, "references %q must be \"table.column\" or \"schema.table.column\"", ref)
  elseif type(ref) == "table" then
    args.known_keys(what, "references option", ref, keys.reference)
    local r = { table = ref.table or ref[1], columns = ref.columns or ref.column or ref[2], schema = ref.schema,
                ondelete = ref.ondelete, onupdate = ref.onupdate,
                deferrable = ref.deferrable, initially = ref.initially, match = ref.match }
    if type(r.table) ~= "string" or r.columns == nil then
      fail(what, "references needs a table and a column")
    end
    return r
  end
  fail(what, "references must be \"table.column\" or a table")
end

function M.references_clause(what, r)
  if type(r.table) ~= "string" then fail(what, "a foreign key needs the referenced table") end
  local sql = ("REFERENCES %s (%s)"):format(quote.qualified(r.table, r.schema),
    ident_list(what, "referenced columns", r.columns))
  if r.match ~= nil then sql = sql .. " MATCH " .. keyword(what, "match", r.match, { "FULL", "SIMPLE" }) end
  if r.ondelete ~= nil then
    sql = sql .. " ON DELETE " .. keyword(what, "referential action", r.ondelete, referential_actions)
  end
  if r.onupdate ~= nil then
    sql = sql .. " ON UPDATE " .. keyword(what, "referential action", r.onupdate, referential_actions)
  end
  return sql .. deferral(what, r.deferrable, r.initially)
end

-- What a foreign key constraint c references, as parse_reference returns
-- it: from references, or from referent, remote_columns and
-- referent_schema (one of the two ways, or one would silently lose);
-- c's own ondelete, onupdate, deferrable and initially win over those of
-- its references.
function M.foreign_key_target(what, c)
  local r
  if c.references ~= nil then
    if c.referent ~= nil or c.remote_columns ~= nil or c.referent_schema ~= nil then
      fail(what, "a foreign key takes references or referent, remote_columns and referent_schema, not both")
    end
    r = M.parse_reference(what, c.references)
  else
    r = { table = c.referent, schema = c.referent_schema, columns = c.remote_columns }
  end
  for _, kind in ipairs { keys.referential, keys.deferral, keys.match } do
    for k in pairs(kind) do
      if c[k] ~= nil then r[k] = c[k] end
    end
  end
  return r
end

-- A table-level constraint:
--   { type = "primary_key", name =, columns = {...} }
--   { type = "unique", name =, columns = {...}, deferrable =, initially = }
--   { type = "check", name =, expr = "<SQL>" }
--   { type = "exclude", name =, using = "gist", elements = { { "col", with = "&&" }, ... }, where = "<SQL>",
--     deferrable =, initially = }
--   { type = "foreign_key", name =, columns = {...}, referent = "t", remote_columns = {...},
--     referent_schema =, ondelete =, onupdate =, deferrable =, initially = }
--     (or references = "t.col" | { table, columns, schema } instead of referent...)
-- name is optional: the server picks one.
function M.table_constraint(what, c)
  if type(c) ~= "table" then fail(what, "a constraint must be a table { type = ..., ... }") end
  local known = keys.constraint[c.type]
  if known == nil then
    fail(what, "unknown constraint type %q (primary_key, unique, check, foreign_key, exclude)", tostring(c.type))
  end
  args.known_keys(what, c.type .. " constraint option", c, known)
  local sql = c.name ~= nil and ("CONSTRAINT %s "):format(ident(c.name)) or ""
  if c.type == "primary_key" then
    return sql .. ("PRIMARY KEY (%s)"):format(ident_list(what, "primary key columns", c.columns))
  elseif c.type == "unique" then
    return sql .. ("UNIQUE (%s)"):format(ident_list(what, "unique columns", c.columns))
      .. deferral(what, c.deferrable, c.initially)
  elseif c.type == "check" then
    return sql .. ("CHECK (%s)"):format(clause.fragment(what, "check", c.expr))
  elseif c.type == "exclude" then
    return sql .. index.exclude_clause(what, c) .. deferral(what, c.deferrable, c.initially)
  end
  return sql .. ("FOREIGN KEY (%s) %s"):format(ident_list(what, "foreign key columns", c.columns),
    M.references_clause(what, M.foreign_key_target(what, c)))
end

-- ALTER TABLE ... ADD <constraint>; not_valid skips checking existing rows
-- (foreign keys and checks only, as PostgreSQL allows).
function M.add_constraint(what, table_name, c, opts)
  return { ("ALTER TABLE %s ADD %s%s"):format(quote.qualified(table_name, opts.schema),
    M.table_constraint(what, c), opts.not_valid and " NOT VALID" or "") }
end

function M.drop_constraint(name, table_name, opts)
  return { ("ALTER TABLE %s DROP CONSTRAINT %s%s%s"):format(quote.qualified(table_name, opts.schema),
    opts.if_exists and "IF EXISTS " or "", ident(name), opts.cascade and " CASCADE" or "") }
end

return M
