-- Reading the parser's trees (pg_query's JSON form, as core.parse_sql
-- gives it): pg_query leaves out fields that are zero, false or empty, so
-- a missing field is its zero value.
local M = {}

-- The node's type and body: { IndexStmt = {...} } -> "IndexStmt", {...}
function M.node(wrapped)
  if type(wrapped) ~= "table" then return nil end
  return next(wrapped)
end

-- The body of wrapped when it is a node of type kind, else nil.
function M.as(wrapped, kind)
  return type(wrapped) == "table" and wrapped[kind] or nil
end

-- "schema.name" or "name" of a RangeVar ({ schemaname?, relname }).
function M.relation_name(rel)
  if rel.schemaname then return rel.schemaname .. "." .. rel.relname end
  return rel.relname
end

-- The names of a list of String nodes (a qualified name, a type name),
-- joined with dots: { {String={sval="pg_catalog"}}, {String={sval="int4"}} }
-- -> "pg_catalog.int4".
function M.dotted(names)
  local parts = {}
  for i, n in ipairs(names or {}) do parts[i] = (M.as(n, "String") or {}).sval or "?" end
  return table.concat(parts, ".")
end

-- A qualified name's String nodes as a RangeVar's fields:
-- { relname, schemaname? } (an index's name, in DROP INDEX).
function M.qualified_name(names)
  local parts = {}
  for i, n in ipairs(names or {}) do parts[i] = (M.as(n, "String") or {}).sval end
  return { relname = parts[#parts] or "?", schemaname = parts[#parts - 1] }
end

-- The commands of an ALTER TABLE: a list of AlterTableCmd bodies.
function M.alter_commands(body)
  local cmds = {}
  for _, c in ipairs(body.cmds or {}) do cmds[#cmds + 1] = M.as(c, "AlterTableCmd") end
  return cmds
end

-- The constraints of a contype ("CONSTR_FOREIGN", "CONSTR_CHECK") that an
-- ALTER TABLE adds without NOT VALID: each validates every row as it comes.
function M.validated_constraints(body, contype)
  local out = {}
  for _, cmd in ipairs(M.alter_commands(body)) do
    local c = cmd.subtype == "AT_AddConstraint" and M.as(cmd.def, "Constraint")
    if c and c.contype == contype and not c.skip_validation then out[#out + 1] = c end
  end
  return out
end

-- The Constraint bodies of a column definition.
function M.column_constraints(coldef)
  local list = {}
  for _, c in ipairs(coldef.constraints or {}) do list[#list + 1] = M.as(c, "Constraint") end
  return list
end

return M
