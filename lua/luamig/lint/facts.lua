-- Facts from the live database (when lint is connected): the estimated
-- rows and size of every table the statements touch, in one query, and
-- the server's version.
local ddl = require("luamig.ddl")
local display = require("luamig.display")
local tree = require("luamig.lint.tree")

local M = {}

-- The tables (and indexes) a statement names: every RangeVar in its tree
-- (a table with relname), as { relname, schemaname? }.
local function relations_in(node, found)
  if type(node.relname) == "string" then
    found[#found + 1] = node
    return  -- a RangeVar holds no other (only its alias)
  end
  for _, v in pairs(node) do
    if type(v) == "table" then relations_in(v, found) end
  end
end

function M.relations(stmt)
  local found = {}
  relations_in(stmt.body, found)
  if stmt.kind == "DropStmt" and stmt.body.removeType == "OBJECT_INDEX" then
    for _, object in ipairs(stmt.body.objects or {}) do
      local list = tree.as(object, "List")
      found[#found + 1] = tree.qualified_name(list and list.items)
    end
  end
  return found
end

-- The name a table is known by here: as the statement wrote it.
function M.key(rel)
  return tree.relation_name(rel)
end

-- The columns of the tables whose columns stmts retype (ALTER COLUMN TYPE),
-- in one query: { [key] = { [column] = { type (pg_type's name), typmod } } }.
local function retyped_columns(conn, stmts)
  local names, seen = {}, {}
  for _, stmt in ipairs(stmts) do
    for _, cmd in ipairs(stmt.kind == "AlterTableStmt" and tree.alter_commands(stmt.body) or {}) do
      local key = cmd.subtype == "AT_AlterColumnType" and M.key(stmt.body.relation)
      if key and not seen[key] then
        seen[key] = ddl.qualified(stmt.body.relation.relname, stmt.body.relation.schemaname)
        names[#names + 1] = seen[key]
      end
    end
  end
  local columns = {}
  if #names == 0 then return columns end
  local by_quoted = {}
  for key, quoted in pairs(seen) do by_quoted[quoted] = key end
  for _, row in ipairs(conn:query(ddl.COLUMN_FACTS_QUERY, { display.json(setmetatable(names, display.array)) })) do
    local key = by_quoted[row.name]
    columns[key] = columns[key] or {}
    columns[key][row.attname] = { type = row.typname, typmod = row.atttypmod }
  end
  return columns
end

-- The planner's estimate of sql (its largest "Plan Rows"), or nil when
-- the server cannot plan it (a column or table an earlier revision of the
-- run creates) or its table is locked (ddl.EXPLAIN_BEGIN's lock_timeout).
local function estimate(conn, sql)
  conn:exec(ddl.EXPLAIN_BEGIN)
  local ok, rows = pcall(conn.query, conn, ddl.explain(sql))
  conn:exec(ddl.EXPLAIN_END)
  local most = nil
  for n in (ok and rows[1] and tostring(select(2, next(rows[1]))) or ""):gmatch('"Plan Rows": (%d+)') do
    most = math.max(most or 0, tonumber(n))
  end
  return most
end

-- The planner's row estimate of each UPDATE or DELETE with a WHERE on a
-- big table (tables: read's), keyed by the statement: { [stmt] = rows };
-- none inside a transaction already open (lint's own would end it).
local function planned_rows(conn, stmts, tables)
  local planned = {}
  if conn:transaction_status() ~= "idle" then return planned end
  for _, stmt in ipairs(stmts) do
    local known = (stmt.kind == "UpdateStmt" or stmt.kind == "DeleteStmt") and tables[M.key(stmt.body.relation)]
    if known and not known.small and stmt.body.whereClause then
      planned[stmt] = estimate(conn, stmt.sql)
    end
  end
  return planned
end

-- conn, parsed statements, small (lint_small_table_rows) ->
-- { server_version, tables = { [key] = { table (its name, or its table's
-- for an index), rows, size, small } }, columns (retyped_columns'),
-- planned_rows (planned_rows') }
function M.read(conn, stmts, small)
  local names, seen = {}, {}
  for _, stmt in ipairs(stmts) do
    for _, rel in ipairs(M.relations(stmt)) do
      local key = M.key(rel)
      if not seen[key] then
        seen[key] = ddl.qualified(rel.relname, rel.schemaname)
        names[#names + 1] = seen[key]
      end
    end
  end
  local by_quoted = {}
  for key, quoted in pairs(seen) do by_quoted[quoted] = key end
  local tables = {}
  if #names > 0 then
    for _, row in ipairs(conn:query(ddl.TABLE_FACTS_QUERY, { display.json(setmetatable(names, display.array)) })) do
      -- never analyzed (reltuples -1): the rows the statistics count
      local counted = row.counted_rows ~= nil
      local rows = counted and row.counted_rows or row.estimated_rows
      tables[by_quoted[row.name]] = { table = row.table_name, rows = rows, size = row.size, small = rows < small,
                                      counted = counted }
    end
  end
  return { server_version = conn:server_version(), tables = tables, columns = retyped_columns(conn, stmts),
           planned_rows = planned_rows(conn, stmts, tables) }
end

return M
