-- The SQL of tables and schemas: create (with columns, table-level
-- constraints and comments), drop, rename, comment.
local args = require("luamig.args")
local clause = require("luamig.ddl.clause")
local column = require("luamig.ddl.column")
local constraint = require("luamig.ddl.constraint")
local quote = require("luamig.ddl.quote")

local fail, qualified = args.fail, quote.qualified
local M = {}

-- Several columns marked primary_key make one composite key, as in
-- SQLAlchemy: a column-level PRIMARY KEY on each would be an error.
-- Returns the key and the columns without the marks (copies: the
-- caller's specs, a model's among them, keep theirs).
local function composite_primary_key(columns)
  local names = {}
  for _, col in ipairs(columns) do
    if col.primary_key then names[#names + 1] = col.name end
  end
  if #names < 2 then return nil, columns end
  local unmarked = {}
  for i, col in ipairs(columns) do
    unmarked[i] = {}
    for k, v in pairs(col) do unmarked[i][k] = v end
    unmarked[i].primary_key = nil
  end
  return { type = "primary_key", columns = names }, unmarked
end

-- INHERITS (a, s.b) of inherits = { "a", { "b", schema = "s" } }; "" for none.
local function inherits_clause(what, inherits)
  if inherits == nil then return "" end
  if type(inherits) ~= "table" or #inherits == 0 then fail(what, "inherits must be a non-empty list of tables") end
  local parts = {}
  for i, p in ipairs(inherits) do
    local name, schema = p, nil
    if type(p) == "table" then name, schema = p[1], p.schema end
    if type(name) ~= "string" or name == "" or (schema ~= nil and type(schema) ~= "string") then
      fail(what, 'inherits[%d] must be a table name or { "name", schema = "..." }', i)
    end
    parts[i] = qualified(name, schema)
  end
  return ("\nINHERITS (%s)"):format(table.concat(parts, ", "))
end

-- columns: normalised column specs (luamig.ddl.column's); opts: schema,
-- if_not_exists, constraints, comment, partition_by ("RANGE (col)": the
-- user's SQL, after PARTITION BY), unlogged, with = { fillfactor = 70 }
-- (storage options), inherits = { "parent", { "parent", schema = "s" } }.
function M.create_table(what, name, columns, opts)
  local tbl = qualified(name, opts.schema)
  local lines = {}
  local pk
  pk, columns = composite_primary_key(columns)
  for i, col in ipairs(columns) do lines[i] = "    " .. column.definition(what, col, opts.schema) end
  if pk then lines[#lines + 1] = "    " .. constraint.table_constraint(what, pk) end
  for _, c in ipairs(opts.constraints or {}) do
    lines[#lines + 1] = "    " .. constraint.table_constraint(what, c)
  end
  local stmts = { ("CREATE %sTABLE %s%s (\n%s\n)%s%s%s"):format(opts.unlogged and "UNLOGGED " or "",
    opts.if_not_exists and "IF NOT EXISTS " or "", tbl, table.concat(lines, ",\n"), inherits_clause(what, opts.inherits),
    opts.partition_by ~= nil and ("\nPARTITION BY " .. clause.fragment(what, "partition_by", opts.partition_by)) or "",
    opts.with ~= nil and clause.storage_options(what, opts.with) or "") }
  if opts.comment ~= nil then stmts[#stmts + 1] = clause.comment_on("TABLE", tbl, opts.comment) end
  return column.comments(stmts, tbl, columns)
end

---------------------------------------------- partitions (#15 item 9)

-- CREATE TABLE name PARTITION OF parent <bound>; bound is the user's SQL,
-- "FOR VALUES ..." or "DEFAULT". opts: schema, parent_schema (each nil:
-- unqualified, as referent_schema of a foreign key), if_not_exists.
function M.create_partition(what, name, parent, bound, opts)
  return { ("CREATE TABLE %s%s PARTITION OF %s %s"):format(opts.if_not_exists and "IF NOT EXISTS " or "",
    qualified(name, opts.schema), qualified(parent, opts.parent_schema), clause.fragment(what, "bound", bound)) }
end

-- A partition's bound changed (#15): DETACH, then ATTACH with the new
-- bound. opts: schema, parent_schema (as create_partition's).
function M.detach_partition(_, name, parent, opts)
  return { ("ALTER TABLE %s DETACH PARTITION %s"):format(qualified(parent, opts.parent_schema),
    qualified(name, opts.schema)) }
end

function M.attach_partition(what, name, parent, bound, opts)
  return { ("ALTER TABLE %s ATTACH PARTITION %s %s"):format(qualified(parent, opts.parent_schema),
    qualified(name, opts.schema), clause.fragment(what, "bound", bound)) }
end

------------------------------------- INHERITS of an existing table (#15)

-- ALTER TABLE name INHERIT parent / NO INHERIT parent. opts: schema,
-- parent_schema.
function M.inherit(_, name, parent, opts)
  return { ("ALTER TABLE %s INHERIT %s"):format(qualified(name, opts.schema), qualified(parent, opts.parent_schema)) }
end

function M.no_inherit(_, name, parent, opts)
  return { ("ALTER TABLE %s NO INHERIT %s"):format(qualified(name, opts.schema),
    qualified(parent, opts.parent_schema)) }
end

-------------------------------------------- table storage (#15 item 11)

-- opts: unlogged (true: SET UNLOGGED, false: SET LOGGED), with = {
-- option = value } to set, reset = { option names } to reset, schema.
function M.alter_table(what, name, opts)
  local tbl, stmts = qualified(name, opts.schema), {}
  if opts.unlogged ~= nil then
    stmts[1] = ("ALTER TABLE %s SET %s"):format(tbl, opts.unlogged and "UNLOGGED" or "LOGGED")
  end
  local with = opts.with ~= nil and clause.storage_options(what, opts.with) or ""
  if with ~= "" then stmts[#stmts + 1] = ("ALTER TABLE %s SET%s"):format(tbl, with:sub(#" WITH" + 1)) end
  if opts.reset ~= nil then
    stmts[#stmts + 1] = ("ALTER TABLE %s RESET (%s)"):format(tbl, clause.ident_list(what, "reset", opts.reset))
  end
  if #stmts == 0 then fail(what, "nothing to change: give unlogged, with or reset") end
  return stmts
end

function M.drop_table(name, opts)
  return { ("DROP TABLE %s%s%s"):format(opts.if_exists and "IF EXISTS " or "",
    qualified(name, opts.schema), opts.cascade and " CASCADE" or "") }
end

function M.rename_table(old, new, opts)
  return { ("ALTER TABLE %s%s RENAME TO %s"):format(opts.if_exists and "IF EXISTS " or "",
    qualified(old, opts.schema), quote.ident(new)) }
end

-- comment nil or op.NULL removes the comment.
function M.table_comment(name, comment, opts)
  return { clause.comment_on("TABLE", qualified(name, opts.schema), comment) }
end

function M.create_schema(name, opts)
  return { ("CREATE SCHEMA %s%s"):format(opts.if_not_exists and "IF NOT EXISTS " or "", quote.ident(name)) }
end

function M.drop_schema(name, opts)
  return { ("DROP SCHEMA %s%s%s"):format(opts.if_exists and "IF EXISTS " or "", quote.ident(name),
    opts.cascade and " CASCADE" or "") }
end

return M
