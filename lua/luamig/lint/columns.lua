-- Column definitions and type names as the rules read them: the columns a
-- statement defines (CREATE TABLE, ADD COLUMN) or retypes (ALTER COLUMN
-- TYPE), and a type name as the server knows it (int4, varchar, ...).
local tree = require("luamig.lint.tree")

local M = {}

-- Each rule of types reads every column of every statement: what this
-- module makes of a node (or a statement) is kept while the node lives.
local function remembered(read)
  local known = setmetatable({}, { __mode = "k" })
  return function(node)
    local v = known[node]
    if v == nil then
      v = read(node)
      known[node] = v
    end
    return v
  end
end

local function read_type(type_name)
  local names = {}
  for i, n in ipairs(type_name.names or {}) do names[i] = (tree.as(n, "String") or {}).sval end
  if names[1] == "pg_catalog" then table.remove(names, 1) end
  local mods = {}
  for i, m in ipairs(type_name.typmods or {}) do
    local c = tree.as(m, "A_Const")
    mods[i] = c and c.ival and (c.ival.ival or 0) or nil
  end
  return { name = table.concat(names, "."), mods = mods, array = type_name.arrayBounds ~= nil }
end

-- A TypeName node -> { name (without pg_catalog.), mods (integers), array }
-- e.g. varchar(20) -> { name = "varchar", mods = { 20 } }
M.type_of = remembered(read_type)

local function read_defined(stmt)
  local found, body = {}, stmt.body
  if stmt.kind == "CreateStmt" then
    for _, e in ipairs(body.tableElts or {}) do
      local coldef = tree.as(e, "ColumnDef")
      if coldef then found[#found + 1] = { coldef = coldef, table = body.relation, how = "create" } end
    end
  elseif stmt.kind == "AlterTableStmt" then
    for _, cmd in ipairs(tree.alter_commands(body)) do
      local coldef = tree.as(cmd.def, "ColumnDef")
      if coldef and cmd.subtype == "AT_AddColumn" then
        found[#found + 1] = { coldef = coldef, table = body.relation, how = "add" }
      elseif coldef and cmd.subtype == "AT_AlterColumnType" then
        coldef.colname = coldef.colname or cmd.name
        found[#found + 1] = { coldef = coldef, table = body.relation, how = "retype" }
      end
    end
  end
  return found
end

-- The columns stmt defines: a list of { coldef, table (its RangeVar),
-- how ("create", "add" or "retype") }.
M.defined = remembered(read_defined)

-- The constraints an ALTER TABLE adds: ADD CONSTRAINT's and those of the
-- columns it adds, as a list of { constraint, column (its name, or nil) }.
function M.constraints_added(body)
  local found = {}
  for _, cmd in ipairs(tree.alter_commands(body)) do
    local c = cmd.subtype == "AT_AddConstraint" and tree.as(cmd.def, "Constraint")
    if c then found[#found + 1] = { constraint = c } end
    local coldef = cmd.subtype == "AT_AddColumn" and tree.as(cmd.def, "ColumnDef")
    for _, cc in ipairs(coldef and tree.column_constraints(coldef) or {}) do
      found[#found + 1] = { constraint = cc, column = coldef.colname }
    end
  end
  return found
end

-- A rule on a constraint that builds its index while holding an ACCESS
-- EXCLUSIVE lock (UNIQUE, PRIMARY KEY), where USING INDEX adopts one
-- built CONCURRENTLY at once: spec = { name, contype, what(added) (the
-- message), hint }.
function M.index_constraint_rule(spec)
  return {
    name = spec.name,
    level = "error",
    kinds = { "AlterTableStmt" },
    check = function(stmt)
      local found = {}
      for _, added in ipairs(M.constraints_added(stmt.body)) do
        if added.constraint.contype == spec.contype and not added.constraint.indexname then
          found[#found + 1] = { table = stmt.body.relation, message = spec.what(added), hint = spec.hint }
        end
      end
      return found
    end,
  }
end

-- A rule that prefers one type to others (prefer-text-field, ban-char-field,
-- ...): spec = { name, types (set of type names), why, hint }. Opt-in:
-- every table of a schema would be reported on every run.
function M.preference_rule(spec)
  return {
    name = spec.name,
    level = "warning",
    opt_in = true,
    kinds = { "CreateStmt", "AlterTableStmt" },
    check = function(stmt)
      local found = {}
      for _, d in ipairs(M.defined(stmt)) do
        local t = d.coldef.typeName and M.type_of(d.coldef.typeName)
        if t and spec.types[t.name] and (not spec.applies or spec.applies(t)) then
          found[#found + 1] = {
            message = ("column %s of %s is %s: %s"):format(d.coldef.colname, tree.relation_name(d.table), t.name, spec.why),
            hint = spec.hint,
          }
        end
      end
      return found
    end,
  }
end

return M
