-- The PostgreSQL dialect: the only place SQL text is built. Identifiers go
-- through M.ident, values become $n parameters or M.literal; type names and
-- SQL expressions (defaults, checks) are the user's SQL by design and are
-- checked for statement breaks.
local M = {}

local function fail(what, msg)
  error(("%s: %s"):format(what, msg), 0)
end

--------------------------------------------------------------- quoting

function M.ident(name)
  if type(name) ~= "string" or name == "" then
    error(("identifier must be a non-empty string, got %s"):format(
      type(name) == "string" and "an empty string" or type(name)), 0)
  end
  if name:find("\0", 1, true) then error("identifier contains a NUL byte", 0) end
  return '"' .. name:gsub('"', '""') .. '"'
end

-- name, or schema.name when a schema is given
function M.qualified(name, schema)
  if schema == nil then return M.ident(name) end
  return M.ident(schema) .. "." .. M.ident(name)
end

-- A value as an SQL literal, for offline mode and COMMENT (which cannot
-- take parameters).
function M.literal(value)
  local t = type(value)
  if value == nil then return "NULL" end
  if t == "boolean" then return value and "true" or "false" end
  if t == "number" then
    if math.type(value) == "integer" then return tostring(value) end
    if value ~= value or value == math.huge or value == -math.huge then
      return ("'%s'::float8"):format(value ~= value and "NaN" or (value > 0 and "Infinity" or "-Infinity"))
    end
    return ("%.17g"):format(value)
  end
  if t == "string" then
    if value:find("\0", 1, true) then error("a string value contains a NUL byte", 0) end
    return "'" .. value:gsub("'", "''") .. "'"
  end
  error(("cannot write a %s as an SQL literal"):format(t), 0)
end

-- Replaces $n placeholders with literals, for offline mode. Placeholders
-- inside quoted strings or identifiers are left alone.
function M.inline_params(sql, params)
  if params == nil then return sql end
  local out, i, n = {}, 1, #sql
  while i <= n do
    local c = sql:sub(i, i)
    if c == "'" or c == '"' then
      local j = i + 1
      while j <= n do
        if sql:sub(j, j) == c then
          if sql:sub(j + 1, j + 1) == c then j = j + 1 else break end
        end
        j = j + 1
      end
      out[#out + 1] = sql:sub(i, j)
      i = j + 1
    elseif c == "$" and sql:find("^%d", i + 1) then
      local digits = sql:match("^%d+", i + 1)
      out[#out + 1] = M.literal(params[tonumber(digits)])
      i = i + 1 + #digits
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
  return table.concat(out)
end

-- SQL fragments written by the user (types, defaults, checks) may be any
-- expression, but never a second statement.
local function fragment(what, sql)
  if type(sql) ~= "string" or sql:match("^%s*$") then
    fail(what, "must be a non-empty string of SQL")
  end
  if sql:find(";", 1, true) or sql:find("--", 1, true) or sql:find("/*", 1, true) then
    fail(what, ("%q may not contain ';' or comments"):format(sql))
  end
  return sql
end

local function type_name(what, t)
  if type(t) ~= "string" or not t:match("^[%a_][%w_ %.,%(%)%[%]\"]*$") then
    fail(what, ("%s is not a PostgreSQL type name"):format(type(t) == "string" and ("%q"):format(t) or type(t)))
  end
  return t
end

local function ident_list(cols)
  local out = {}
  for i, c in ipairs(cols) do out[i] = M.ident(c) end
  return table.concat(out, ", ")
end

------------------------------------------------------------ constraints

local referential_actions = {
  ["CASCADE"] = true, ["RESTRICT"] = true, ["SET NULL"] = true,
  ["SET DEFAULT"] = true, ["NO ACTION"] = true,
}

local function referential_action(what, action)
  local a = tostring(action):upper()
  if not referential_actions[a] then
    fail(what, ("unknown referential action %q (CASCADE, RESTRICT, SET NULL, SET DEFAULT, NO ACTION)"):format(tostring(action)))
  end
  return a
end

-- "table.column", "schema.table.column" or { table, column, schema=, ondelete=, onupdate= }
function M.parse_reference(what, ref)
  if type(ref) == "string" then
    local parts = {}
    for p in ref:gmatch("[^.]+") do parts[#parts + 1] = p end
    if #parts == 2 then return { table = parts[1], column = parts[2] } end
    if #parts == 3 then return { schema = parts[1], table = parts[2], column = parts[3] } end
    fail(what, ("references %q must be \"table.column\""):format(ref))
  elseif type(ref) == "table" then
    local r = { table = ref.table or ref[1], column = ref.column or ref[2], schema = ref.schema,
                ondelete = ref.ondelete, onupdate = ref.onupdate, deferrable = ref.deferrable }
    if type(r.table) ~= "string" or type(r.column) ~= "string" then
      fail(what, "references needs a table and a column")
    end
    return r
  end
  fail(what, "references must be \"table.column\" or a table")
end

local function references_clause(what, r)
  local cols = type(r.column) == "table" and r.column or { r.column }
  local sql = ("REFERENCES %s (%s)"):format(M.qualified(r.table, r.schema), ident_list(cols))
  if r.ondelete then sql = sql .. " ON DELETE " .. referential_action(what, r.ondelete) end
  if r.onupdate then sql = sql .. " ON UPDATE " .. referential_action(what, r.onupdate) end
  if r.deferrable then sql = sql .. " DEFERRABLE INITIALLY DEFERRED" end
  return sql
end

-- A table-level constraint: { type = "primary_key"|"unique"|"check"|"foreign_key", name=, ... }
function M.table_constraint(what, c)
  local sql = c.name and ("CONSTRAINT %s "):format(M.ident(c.name)) or ""
  local kind = c.type
  if kind == "primary_key" then
    return sql .. ("PRIMARY KEY (%s)"):format(ident_list(c.columns))
  elseif kind == "unique" then
    return sql .. ("UNIQUE (%s)"):format(ident_list(c.columns))
  elseif kind == "check" then
    return sql .. ("CHECK (%s)"):format(fragment(what .. " check", c.expr))
  elseif kind == "foreign_key" then
    local r = { table = c.referent or c.references and c.references.table, schema = c.referent_schema,
                column = c.remote_columns or c.references and c.references.columns,
                ondelete = c.ondelete, onupdate = c.onupdate, deferrable = c.deferrable }
    return sql .. ("FOREIGN KEY (%s) %s"):format(ident_list(c.columns), references_clause(what, r))
  end
  fail(what, ("unknown constraint type %q (primary_key, unique, check, foreign_key)"):format(tostring(kind)))
end

---------------------------------------------------------------- columns

local column_keys = {
  nullable = true, default = true, primary_key = true, unique = true,
  references = true, check = true, comment = true,
}

-- Validates a column spec { name, type, ... } and returns the normalised one.
function M.column(what, spec)
  if type(spec) ~= "table" then fail(what, "a column must be a table { name, type, ... }") end
  for k in pairs(spec) do
    if type(k) ~= "number" and not column_keys[k] then
      fail(what, ("unknown column option %q"):format(tostring(k)))
    end
  end
  local name = spec[1] or spec.name
  if type(name) ~= "string" or name == "" then fail(what, "a column needs a name") end
  local col_what = ("%s: column %q"):format(what, name)
  return {
    name = name,
    type = type_name(col_what, spec[2] or spec.type),
    nullable = spec.nullable,
    default = spec.default ~= nil and fragment(col_what .. " default", tostring(spec.default)) or nil,
    primary_key = spec.primary_key,
    unique = spec.unique,
    references = spec.references ~= nil and M.parse_reference(col_what, spec.references) or nil,
    check = spec.check ~= nil and fragment(col_what .. " check", spec.check) or nil,
    comment = spec.comment,
  }
end

local function column_definition(what, col)
  local parts = { M.ident(col.name), col.type }
  if col.nullable == false then parts[#parts + 1] = "NOT NULL" end
  if col.default ~= nil then parts[#parts + 1] = "DEFAULT " .. col.default end
  if col.primary_key then parts[#parts + 1] = "PRIMARY KEY" end
  if col.unique then parts[#parts + 1] = "UNIQUE" end
  if col.check then parts[#parts + 1] = ("CHECK (%s)"):format(col.check) end
  if col.references then parts[#parts + 1] = references_clause(what, col.references) end
  return table.concat(parts, " ")
end

local function column_comment(table_sql, col)
  return ("COMMENT ON COLUMN %s.%s IS %s"):format(table_sql, M.ident(col.name), M.literal(col.comment))
end

------------------------------------------------------------------ tables

-- Each builder returns an array of statements.

function M.create_table(what, name, columns, opts)
  local tbl = M.qualified(name, opts.schema)
  local lines = {}
  for i, col in ipairs(columns) do lines[i] = "    " .. column_definition(what, col) end
  for _, c in ipairs(opts.constraints or {}) do
    lines[#lines + 1] = "    " .. M.table_constraint(what, c)
  end
  local stmts = { ("CREATE TABLE %s%s (\n%s\n)"):format(
    opts.if_not_exists and "IF NOT EXISTS " or "", tbl, table.concat(lines, ",\n")) }
  if opts.comment ~= nil then
    stmts[#stmts + 1] = ("COMMENT ON TABLE %s IS %s"):format(tbl, M.literal(opts.comment))
  end
  for _, col in ipairs(columns) do
    if col.comment ~= nil then stmts[#stmts + 1] = column_comment(tbl, col) end
  end
  return stmts
end

function M.drop_table(name, opts)
  return { ("DROP TABLE %s%s%s"):format(opts.if_exists and "IF EXISTS " or "",
    M.qualified(name, opts.schema), opts.cascade and " CASCADE" or "") }
end

function M.add_column(what, table_name, col, opts)
  local tbl = M.qualified(table_name, opts.schema)
  local stmts = { ("ALTER TABLE %s ADD COLUMN %s%s"):format(tbl,
    opts.if_not_exists and "IF NOT EXISTS " or "", column_definition(what, col)) }
  if col.comment ~= nil then stmts[2] = column_comment(tbl, col) end
  return stmts
end

function M.drop_column(table_name, name, opts)
  return { ("ALTER TABLE %s DROP COLUMN %s%s%s"):format(M.qualified(table_name, opts.schema),
    opts.if_exists and "IF EXISTS " or "", M.ident(name), opts.cascade and " CASCADE" or "") }
end

----------------------------------------------------------- version table

function M.create_version_table(name, schema)
  return ("CREATE TABLE IF NOT EXISTS %s (\n    version_num varchar(32) NOT NULL,\n    CONSTRAINT %s PRIMARY KEY (version_num)\n)")
    :format(M.qualified(name, schema), M.ident(name .. "_pkc"))
end

function M.select_versions(name, schema)
  return ("SELECT version_num FROM %s"):format(M.qualified(name, schema))
end

-- One statement per version-table change ({op="insert"|"update"|"delete"}),
-- with its parameters.
function M.version_change(name, schema, change)
  local tbl = M.qualified(name, schema)
  if change.op == "insert" then
    return ("INSERT INTO %s (version_num) VALUES ($1)"):format(tbl), { change.id }
  elseif change.op == "update" then
    return ("UPDATE %s SET version_num = $1 WHERE version_num = $2"):format(tbl), { change.to, change.from }
  elseif change.op == "delete" then
    return ("DELETE FROM %s WHERE version_num = $1"):format(tbl), { change.id }
  end
  error("unknown version change " .. tostring(change.op))
end

function M.delete_all_versions(name, schema)
  return ("DELETE FROM %s"):format(M.qualified(name, schema))
end

-- Whether the table exists: to_regclass takes the qualified name as text.
function M.table_exists_query(name, schema)
  return "SELECT to_regclass($1) IS NOT NULL AS present", { M.qualified(name, schema) }
end

return M
