-- The PostgreSQL dialect: the only place SQL text is built. Identifiers go
-- through M.ident, values become $n parameters or M.literal; type names and
-- SQL expressions (defaults, checks, index expressions and predicates) are
-- the user's SQL by design and are checked for statement breaks.
--
-- Builders take `what` (the "op.fn" prefix for messages) where they validate,
-- and return an array of statements.
local core = require("luamig.core")
local utf8text = require("luamig.utf8text")

local M = {}

local function fail(what, msg)
  error(("%s: %s"):format(what, msg), 0)
end

-- SQL NULL where a Lua nil cannot stand: in a positional row or params list
-- with holes, and as `default = op.NULL` (drop the default) or
-- `comment = op.NULL` (drop the comment) in alter_column.
M.NULL = setmetatable({}, {
  __name = "luamig.NULL",
  __tostring = function() return "op.NULL" end,
  __newindex = function() error("op.NULL is read-only", 2) end,
})

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

local function float_text(value, nan, inf, ninf)
  if value ~= value then return nan end
  if value == math.huge then return inf end
  if value == -math.huge then return ninf end
  -- the shortest text that reads back as the same double: 0.1, not 0.10000000000000001
  for digits = 15, 16 do
    local text = ("%." .. digits .. "g"):format(value)
    if tonumber(text) == value then return text end
  end
  return ("%.17g"):format(value)
end

-- A value as an SQL literal, for offline mode and COMMENT (which cannot
-- take parameters). A string holding a backslash becomes an E'' literal,
-- so its meaning does not depend on standard_conforming_strings.
function M.literal(value)
  local t = type(value)
  if value == nil or value == M.NULL then return "NULL" end
  if t == "boolean" then return value and "true" or "false" end
  if t == "number" then
    if math.type(value) == "integer" then return tostring(value) end
    return float_text(value, "'NaN'::float8", "'Infinity'::float8", "'-Infinity'::float8")
  end
  if t == "string" then
    if value:find("\0", 1, true) then error("a string value contains a NUL byte", 0) end
    local quoted = "'" .. value:gsub("'", "''") .. "'"
    if value:find("\\", 1, true) then return "E" .. quoted:gsub("\\", "\\\\") end
    return quoted
  end
  error(("cannot write a %s as an SQL literal"):format(t), 0)
end

-- Replaces $n placeholders with literals, for offline mode, wherever the
-- server reads a parameter: not inside a quoted string (an E'' string
-- with its backslash escapes), a quoted identifier, a dollar-quoted
-- string, a comment (block comments nest) or an identifier (`a$1`).
local IDENT_CHAR = "[%w_\128-\255]"

function M.inline_params(sql, params)
  if params == nil then return sql end
  local out, i, n = {}, 1, #sql
  local function copy_to(j)
    out[#out + 1] = sql:sub(i, j)
    i = j + 1
  end
  while i <= n do
    local c, next_c = sql:sub(i, i), sql:sub(i + 1, i + 1)
    if c == "'" or c == '"' then
      local escapes = c == "'" and sql:sub(i - 1, i - 1):find("^[Ee]") and not sql:sub(i - 2, i - 2):find(IDENT_CHAR)
      local j = i + 1
      while j <= n do
        local d = sql:sub(j, j)
        if escapes and d == "\\" then
          j = j + 1
        elseif d == c then
          if sql:sub(j + 1, j + 1) ~= c then break end
          j = j + 1
        end
        j = j + 1
      end
      copy_to(j)
    elseif c == "-" and next_c == "-" then
      copy_to(sql:find("\n", i, true) or n)
    elseif c == "/" and next_c == "*" then
      local depth, j = 1, i + 2
      while j <= n and depth > 0 do
        local two = sql:sub(j, j + 1)
        if two == "/*" then depth, j = depth + 1, j + 2
        elseif two == "*/" then depth, j = depth - 1, j + 2
        else j = j + 1 end
      end
      copy_to(j - 1)
    elseif c == "$" and not sql:sub(i - 1, i - 1):find(IDENT_CHAR) then
      local digits = sql:match("^%d+", i + 1)
      local tag = not digits and (sql:match("^%$[%a_\128-\255][%w_\128-\255]*%$", i) or sql:match("^%$%$", i))
      if digits then
        out[#out + 1] = M.literal(params[tonumber(digits)])
        i = i + 1 + #digits
      elseif tag then
        local close = sql:find(tag, i + #tag, true)
        copy_to(close and close + #tag - 1 or n)
      else
        copy_to(i)
      end
    else
      copy_to((sql:find("[\"'/$-]", i + 1) or n + 1) - 1)
    end
  end
  return table.concat(out)
end

-- What a parameter can be: the protocol counts parameters in 16 bits, and
-- a value must have a text form (nil and NULL are NULL).
local MAX_PARAMS = 65535
local BINDABLE = { boolean = true, number = true, string = true }

-- The list bound to $1..$n (n = params.n or #params), with NULL where a
-- nil would leave a hole turned into nil; nil stays nil. `what` names the
-- caller in errors: "op.execute", "db:execute".
function M.bind_params(what, params)
  if params == nil then return nil end
  if type(params) ~= "table" or params == M.NULL then
    fail(what, ("params must be a table, got %s"):format(params == M.NULL and "op.NULL" or type(params)))
  end
  local n = params.n or #params
  if math.type(n) ~= "integer" or n < 0 then fail(what, "params.n must be a non-negative integer") end
  if n > MAX_PARAMS then fail(what, ("%d parameters, more than the %d PostgreSQL allows"):format(n, MAX_PARAMS)) end
  local out = { n = n }
  for i = 1, n do
    local v = params[i]
    if v ~= M.NULL then
      if v ~= nil and not BINDABLE[type(v)] then
        fail(what, ("parameter $%d: cannot bind a %s"):format(i, type(v)))
      end
      out[i] = v
    end
  end
  return out
end

-- SQL fragments written by the user (types, defaults, checks, index
-- expressions and predicates) may be any expression, but never a second
-- statement: no ';' and no comment that could hide the rest of ours.
local function fragment(what, label, sql)
  if type(sql) ~= "string" or sql:match("^%s*$") then
    fail(what, ("%s must be a non-empty string of SQL, got %s"):format(label, type(sql) == "string" and "a blank string" or type(sql)))
  end
  if sql:find(";", 1, true) or sql:find("--", 1, true) or sql:find("/*", 1, true) then
    fail(what, ("%s %q may not contain ';' or comments"):format(label, sql))
  end
  return sql
end

local function type_name(what, t)
  if type(t) ~= "string" or not t:match("^[%a_][%w_ %.,%(%)%[%]\"]*$") then
    fail(what, ("%s is not a PostgreSQL type name"):format(type(t) == "string" and ("%q"):format(t) or type(t)))
  end
  return t
end

-- One of a fixed set of keywords, in any case; returns it upper-cased.
local function keyword(what, label, value, allowed)
  local word = type(value) == "string" and (value:upper():gsub("%s+", " ")) or nil
  for _, a in ipairs(allowed) do
    if word == a then return a end
  end
  fail(what, ("unknown %s %q (%s)"):format(label, tostring(value), table.concat(allowed, ", ")))
end

-- A list of column names (a single name is a list of one).
local function ident_list(what, label, cols)
  if type(cols) == "string" then cols = { cols } end
  if type(cols) ~= "table" or #cols == 0 then
    fail(what, ("%s must be a non-empty list of column names"):format(label))
  end
  local out = {}
  for i, c in ipairs(cols) do
    if type(c) ~= "string" or c == "" then
      fail(what, ("%s must be a non-empty list of column names, item %d is %s"):format(label, i,
        c == "" and "an empty string" or type(c)))
    end
    out[i] = M.ident(c)
  end
  return table.concat(out, ", ")
end

local function set(list)
  local s = {}
  for _, k in ipairs(list) do s[k] = true end
  return s
end

local function check_keys(what, label, t, known)
  for k in pairs(t) do
    if type(k) ~= "number" and not known[k] then
      fail(what, ("unknown %s %q"):format(label, tostring(k)))
    end
  end
end

local function comment_on(kind, target, comment)
  return ("COMMENT ON %s %s IS %s"):format(kind, target, M.literal(comment))
end

------------------------------------------------------------ constraints

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

local reference_keys = set { "table", "column", "columns", "schema", "ondelete", "onupdate",
                             "deferrable", "initially" }

-- "table.column", "schema.table.column", or { table, column, schema=,
-- ondelete=, onupdate=, deferrable=, initially= } (columns = {...} for a
-- composite key). Names holding a dot need the table form.
function M.parse_reference(what, ref)
  if type(ref) == "string" then
    local parts = {}
    for p in ref:gmatch("[^.]+") do parts[#parts + 1] = p end
    if #parts == 2 then return { table = parts[1], columns = { parts[2] } } end
    if #parts == 3 then return { schema = parts[1], table = parts[2], columns = { parts[3] } } end
    fail(what, ("references %q must be \"table.column\" or \"schema.table.column\""):format(ref))
  elseif type(ref) == "table" then
    check_keys(what, "references option", ref, reference_keys)
    local r = { table = ref.table or ref[1], columns = ref.columns or ref.column or ref[2], schema = ref.schema,
                ondelete = ref.ondelete, onupdate = ref.onupdate,
                deferrable = ref.deferrable, initially = ref.initially }
    if type(r.table) ~= "string" or r.columns == nil then
      fail(what, "references needs a table and a column")
    end
    return r
  end
  fail(what, "references must be \"table.column\" or a table")
end

local function references_clause(what, r)
  if type(r.table) ~= "string" then fail(what, "a foreign key needs the referenced table") end
  local sql = ("REFERENCES %s (%s)"):format(M.qualified(r.table, r.schema),
    ident_list(what, "referenced columns", r.columns))
  if r.ondelete ~= nil then
    sql = sql .. " ON DELETE " .. keyword(what, "referential action", r.ondelete, referential_actions)
  end
  if r.onupdate ~= nil then
    sql = sql .. " ON UPDATE " .. keyword(what, "referential action", r.onupdate, referential_actions)
  end
  return sql .. deferral(what, r.deferrable, r.initially)
end

local constraint_keys = {
  primary_key = set { "type", "name", "columns" },
  unique = set { "type", "name", "columns", "deferrable", "initially" },
  check = set { "type", "name", "expr" },
  foreign_key = set { "type", "name", "columns", "references", "referent", "referent_schema",
                      "remote_columns", "ondelete", "onupdate", "deferrable", "initially" },
}

local function foreign_key_target(what, c)
  local r = c.references ~= nil and M.parse_reference(what, c.references)
    or { table = c.referent, schema = c.referent_schema, columns = c.remote_columns }
  for _, k in ipairs({ "ondelete", "onupdate", "deferrable", "initially" }) do
    if c[k] ~= nil then r[k] = c[k] end
  end
  return r
end

-- A table-level constraint:
--   { type = "primary_key", name =, columns = {...} }
--   { type = "unique", name =, columns = {...}, deferrable =, initially = }
--   { type = "check", name =, expr = "<SQL>" }
--   { type = "foreign_key", name =, columns = {...}, referent = "t", remote_columns = {...},
--     referent_schema =, ondelete =, onupdate =, deferrable =, initially = }
--     (or references = "t.col" | { table, columns, schema } instead of referent...)
-- name is optional: the server picks one.
function M.table_constraint(what, c)
  if type(c) ~= "table" then fail(what, "a constraint must be a table { type = ..., ... }") end
  local known = constraint_keys[c.type]
  if known == nil then
    fail(what, ("unknown constraint type %q (primary_key, unique, check, foreign_key)"):format(tostring(c.type)))
  end
  check_keys(what, c.type .. " constraint option", c, known)
  local sql = c.name ~= nil and ("CONSTRAINT %s "):format(M.ident(c.name)) or ""
  if c.type == "primary_key" then
    return sql .. ("PRIMARY KEY (%s)"):format(ident_list(what, "primary key columns", c.columns))
  elseif c.type == "unique" then
    return sql .. ("UNIQUE (%s)"):format(ident_list(what, "unique columns", c.columns))
      .. deferral(what, c.deferrable, c.initially)
  elseif c.type == "check" then
    return sql .. ("CHECK (%s)"):format(fragment(what, "check", c.expr))
  end
  return sql .. ("FOREIGN KEY (%s) %s"):format(ident_list(what, "foreign key columns", c.columns),
    references_clause(what, foreign_key_target(what, c)))
end

-- ALTER TABLE ... ADD <constraint>; not_valid skips checking existing rows
-- (foreign keys and checks only, as PostgreSQL allows).
function M.add_constraint(what, table_name, c, opts)
  return { ("ALTER TABLE %s ADD %s%s"):format(M.qualified(table_name, opts.schema),
    M.table_constraint(what, c), opts.not_valid and " NOT VALID" or "") }
end

function M.drop_constraint(name, table_name, opts)
  return { ("ALTER TABLE %s DROP CONSTRAINT %s%s%s"):format(M.qualified(table_name, opts.schema),
    opts.if_exists and "IF EXISTS " or "", M.ident(name), opts.cascade and " CASCADE" or "") }
end

---------------------------------------------------------------- columns

local column_keys = set { "name", "type", "nullable", "default", "primary_key", "unique",
                          "references", "check", "comment" }

-- Validates a column spec { name, type, ... } and returns the normalised
-- one. default is SQL text (a number or boolean is written as itself);
-- default = op.NULL is the same as no default.
function M.column(what, spec)
  if type(spec) ~= "table" then fail(what, "a column must be a table { name, type, ... }") end
  check_keys(what, "column option", spec, column_keys)
  local name = spec[1] or spec.name
  if type(name) ~= "string" or name == "" then fail(what, "a column needs a name") end
  local col_what = ("%s: column %q"):format(what, name)
  local default = spec.default
  if default == M.NULL then default = nil end
  if spec.comment ~= nil and type(spec.comment) ~= "string" then fail(col_what, "comment must be a string") end
  return {
    name = name,
    type = type_name(col_what, spec[2] or spec.type),
    nullable = spec.nullable,
    default = default ~= nil and fragment(col_what, "default", tostring(default)) or nil,
    primary_key = spec.primary_key,
    unique = spec.unique,
    references = spec.references ~= nil and M.parse_reference(col_what, spec.references) or nil,
    check = spec.check ~= nil and fragment(col_what, "check", spec.check) or nil,
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
  if col.references then
    parts[#parts + 1] = references_clause(("%s: column %q"):format(what, col.name), col.references)
  end
  return table.concat(parts, " ")
end

local function column_comments(stmts, table_sql, columns)
  for _, col in ipairs(columns) do
    if col.comment ~= nil then
      stmts[#stmts + 1] = comment_on("COLUMN", table_sql .. "." .. M.ident(col.name), col.comment)
    end
  end
  return stmts
end

-- Several columns marked primary_key make one composite key, as in
-- SQLAlchemy: a column-level PRIMARY KEY on each would be an error.
local function composite_primary_key(columns)
  local names = {}
  for _, col in ipairs(columns) do
    if col.primary_key then names[#names + 1] = col.name end
  end
  if #names < 2 then return nil end
  for _, col in ipairs(columns) do col.primary_key = nil end
  return { type = "primary_key", columns = names }
end

------------------------------------------------------------------ tables

function M.create_table(what, name, columns, opts)
  local tbl = M.qualified(name, opts.schema)
  local lines = {}
  local pk = composite_primary_key(columns)
  for i, col in ipairs(columns) do lines[i] = "    " .. column_definition(what, col) end
  if pk then lines[#lines + 1] = "    " .. M.table_constraint(what, pk) end
  for _, c in ipairs(opts.constraints or {}) do
    lines[#lines + 1] = "    " .. M.table_constraint(what, c)
  end
  local stmts = { ("CREATE TABLE %s%s (\n%s\n)"):format(
    opts.if_not_exists and "IF NOT EXISTS " or "", tbl, table.concat(lines, ",\n")) }
  if opts.comment ~= nil then stmts[#stmts + 1] = comment_on("TABLE", tbl, opts.comment) end
  return column_comments(stmts, tbl, columns)
end

function M.drop_table(name, opts)
  return { ("DROP TABLE %s%s%s"):format(opts.if_exists and "IF EXISTS " or "",
    M.qualified(name, opts.schema), opts.cascade and " CASCADE" or "") }
end

function M.rename_table(old, new, opts)
  return { ("ALTER TABLE %s%s RENAME TO %s"):format(opts.if_exists and "IF EXISTS " or "",
    M.qualified(old, opts.schema), M.ident(new)) }
end

-- comment nil or op.NULL removes the comment.
function M.table_comment(name, comment, opts)
  return { comment_on("TABLE", M.qualified(name, opts.schema), comment) }
end

function M.add_column(what, table_name, col, opts)
  local tbl = M.qualified(table_name, opts.schema)
  local stmts = { ("ALTER TABLE %s ADD COLUMN %s%s"):format(tbl,
    opts.if_not_exists and "IF NOT EXISTS " or "", column_definition(what, col)) }
  return column_comments(stmts, tbl, { col })
end

function M.drop_column(table_name, name, opts)
  return { ("ALTER TABLE %s DROP COLUMN %s%s%s"):format(M.qualified(table_name, opts.schema),
    opts.if_exists and "IF EXISTS " or "", M.ident(name), opts.cascade and " CASCADE" or "") }
end

-- changes: { type, using, nullable, default, new_name, comment, schema }.
-- The type, nullability and default changes share one ALTER TABLE (one
-- lock, one rewrite at most); the comment is set and the column renamed
-- after. default = op.NULL drops the default (default = false sets the
-- SQL default false, as in a column spec); comment = op.NULL drops the
-- comment.
function M.alter_column(what, table_name, name, ch)
  local tbl, col = M.qualified(table_name, ch.schema), M.ident(name)
  local actions = {}
  local function action(text) actions[#actions + 1] = ("ALTER COLUMN %s %s"):format(col, text) end
  if ch.type ~= nil then
    action("TYPE " .. type_name(what, ch.type)
      .. (ch.using ~= nil and (" USING " .. fragment(what, "using", ch.using)) or ""))
  elseif ch.using ~= nil then
    fail(what, "using needs type: it says how to convert the column to the new type")
  end
  if ch.nullable ~= nil then action(ch.nullable and "DROP NOT NULL" or "SET NOT NULL") end
  if ch.default == M.NULL or (ch.default ~= nil and ch.type ~= nil) then
    -- a new type with a new default: the old default goes first (this pass
    -- runs before the type change), or it may fail to cast to the new type
    table.insert(actions, 1, ("ALTER COLUMN %s DROP DEFAULT"):format(col))
  end
  if ch.default ~= nil and ch.default ~= M.NULL then
    action("SET DEFAULT " .. fragment(what, "default", tostring(ch.default)))
  end
  local stmts = {}
  if #actions > 0 then stmts[1] = ("ALTER TABLE %s %s"):format(tbl, table.concat(actions, ", ")) end
  if ch.comment ~= nil then stmts[#stmts + 1] = comment_on("COLUMN", tbl .. "." .. col, ch.comment) end
  if ch.new_name ~= nil then
    stmts[#stmts + 1] = ("ALTER TABLE %s RENAME COLUMN %s TO %s"):format(tbl, col, M.ident(ch.new_name))
  end
  if #stmts == 0 then fail(what, "nothing to change: give type, nullable, default, comment or new_name") end
  return stmts
end

----------------------------------------------------------------- indexes

local index_element_keys = set { "name", "expr", "desc", "opclass" }

-- An index column: a plain string is a column name (quoted); a table is
-- { "name" } or { expr = "<SQL>" } (a raw expression, checked like a
-- default and wrapped in parentheses), with optional desc = true and
-- opclass = "text_pattern_ops".
local function index_element(what, col)
  if type(col) == "string" then return M.ident(col) end
  if type(col) ~= "table" then
    fail(what, ("an index column must be a name or a table { name | expr = ..., desc =, opclass = }, got %s")
      :format(type(col)))
  end
  check_keys(what, "index column option", col, index_element_keys)
  local name, expr = col[1] or col.name, col.expr
  if (name == nil) == (expr == nil) then fail(what, "an index column needs exactly one of a name or expr") end
  local sql = name ~= nil and M.ident(name) or ("(%s)"):format(fragment(what, "index expression", expr))
  if col.opclass ~= nil then sql = sql .. " " .. M.ident(col.opclass) end
  if col.desc then sql = sql .. " DESC" end
  return sql
end

-- An access method (btree, hash, gin, gist, brin, ...): a bare word.
local function access_method(what, using)
  if type(using) ~= "string" or not using:match("^[%a_][%w_]*$") then
    fail(what, ("using %s is not an index access method name"):format(
      type(using) == "string" and ("%q"):format(using) or type(using)))
  end
  return " USING " .. using:lower()
end

function M.create_index(what, name, table_name, columns, opts)
  if type(columns) == "string" then columns = { columns } end
  if type(columns) ~= "table" or #columns == 0 then fail(what, "columns must be a non-empty list") end
  local elems = {}
  for i, col in ipairs(columns) do elems[i] = index_element(what, col) end
  local sql = ("CREATE %sINDEX %s%s%s ON %s%s (%s)"):format(
    opts.unique and "UNIQUE " or "", opts.concurrently and "CONCURRENTLY " or "",
    opts.if_not_exists and "IF NOT EXISTS " or "", M.ident(name), M.qualified(table_name, opts.schema),
    opts.using ~= nil and access_method(what, opts.using) or "", table.concat(elems, ", "))
  if opts.where ~= nil then sql = sql .. " WHERE " .. fragment(what, "where", opts.where) end
  return { sql }
end

function M.drop_index(name, opts)
  return { ("DROP INDEX %s%s%s%s"):format(opts.concurrently and "CONCURRENTLY " or "",
    opts.if_exists and "IF EXISTS " or "", M.qualified(name, opts.schema), opts.cascade and " CASCADE" or "") }
end

----------------------------------------------------------------- schemas

function M.create_schema(name, opts)
  return { ("CREATE SCHEMA %s%s"):format(opts.if_not_exists and "IF NOT EXISTS " or "", M.ident(name)) }
end

function M.drop_schema(name, opts)
  return { ("DROP SCHEMA %s%s%s"):format(opts.if_exists and "IF EXISTS " or "", M.ident(name),
    opts.cascade and " CASCADE" or "") }
end

-------------------------------------------------------------------- COPY

function M.copy_from_stdin(what, table_name, columns, schema)
  local cols = columns ~= nil and (" (" .. ident_list(what, "columns", columns) .. ")") or ""
  return ("COPY %s%s FROM STDIN"):format(M.qualified(table_name, schema), cols)
end

-- rows[1..n] as COPY text lines of ncols fields (row[i], or
-- row[columns[i]] when keyed; columns also name fields in errors). \N is NULL (nil or M.NULL); a backslash, tab,
-- newline or carriage return is escaped, so a value can never end its
-- field, its row or the data (a "\." line). Encoded in C: in Lua the
-- escaping cost several times what the server spends parsing the rows.
function M.copy_rows(rows, n, ncols, columns, keyed)
  return core.copy_encode(rows, n, ncols, M.NULL, columns, keyed)
end

--------------------------------------------- bookkeeping and the session

M.BEGIN, M.COMMIT, M.ROLLBACK = "BEGIN", "COMMIT", "ROLLBACK"

-- Text as the rest of a "-- " comment, of SQL or of Lua: every line break
-- either lexer knows (\n, \r, \r\n) starts another comment line, so no
-- line of a revision's message is ever read as code.
function M.comment_text(text)
  return (text:gsub("\r\n?", "\n"):gsub("\n", "\n-- "))
end

-- The transaction the server is in, as a number: its start time in
-- microseconds. A revision's own COMMIT and BEGIN change it (the new
-- transaction starts with a later message), where the transaction status
-- libpq reports stays "in a transaction".
local TRANSACTION_ID = "(extract(epoch FROM pg_catalog.transaction_timestamp()) * 1000000)::bigint"
M.BEGIN_READING_ID = "BEGIN; SELECT " .. TRANSACTION_ID .. " AS id"
M.TRANSACTION_ID_QUERY = "SELECT " .. TRANSACTION_ID .. " AS id"

-- Guards run before a step's version changes, in the same round trip: a
-- statement failing with a marker unless `condition` holds. The failing
-- cast depends on the session (`detail`), so the planner cannot fold it.
local function guard(condition, marker, detail)
  return ("SELECT CASE WHEN %s THEN 1 ELSE ('%s' || %s)::int END"):format(condition, marker, detail)
end

-- Whether a failed statement (a database error) is the guard of `marker`.
local function guard_failed(err, marker)
  return err.sqlstate == "22P02" and type(err.message) == "string" and err.message:find(marker, 1, true) ~= nil
end

local OTHER_TRANSACTION = "luamig: not the transaction luamig opened, now "
local LOCK_LOST = "luamig: the migration lock is not held by session "

-- Fails unless the server is still in the transaction whose id is given.
function M.same_transaction(id)
  return guard(TRANSACTION_ID .. " = $1", OTHER_TRANSACTION, TRANSACTION_ID), { id }
end

function M.is_other_transaction(err) return guard_failed(err, OTHER_TRANSACTION) end

-- Fails unless this session still holds the lock try_lock_query(class,
-- name) took (a revision can release it: pg_advisory_unlock_all, DISCARD
-- ALL); pg_locks shows an (int, int) advisory lock's keys as oids.
function M.holds_lock(class, name)
  return guard("EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' "
    .. "AND pid = pg_catalog.pg_backend_pid() AND classid = $1::int::pg_catalog.oid "
    .. "AND objid = pg_catalog.hashtext($2)::pg_catalog.oid AND objsubid = 2 AND granted)",
    LOCK_LOST, "pg_catalog.pg_backend_pid()"), { class, name }
end

function M.is_lock_lost(err) return guard_failed(err, LOCK_LOST) end

function M.create_version_table(name, schema)
  return ("CREATE TABLE IF NOT EXISTS %s (\n    version_num varchar(32) NOT NULL,\n    CONSTRAINT %s PRIMARY KEY (version_num)\n)")
    :format(M.qualified(name, schema), M.ident(name .. "_pkc"))
end

-- One row per applied step: the audit trail beyond Alembic.
function M.create_history_table(name, schema)
  return ([[CREATE TABLE IF NOT EXISTS %s (
    id bigserial PRIMARY KEY,
    revision varchar(32) NOT NULL,
    direction varchar(9) NOT NULL,
    started_at pg_catalog.timestamptz NOT NULL,
    duration_ms double precision NOT NULL,
    checksum varchar(64),
    db_user pg_catalog.text NOT NULL DEFAULT current_user,
    message pg_catalog.text
)]]):format(M.qualified(name, schema))
end

-- params: revision, direction, duration_ms, checksum, message. The
-- message goes in as text the column takes: a revision file may hold any
-- bytes there (Latin-1, a NUL), which must not fail the version write.
function M.history_insert(name, schema, params)
  local message = params[5]
  if type(message) == "string" then
    params = { params[1], params[2], params[3], params[4], (utf8text.repaired(message):gsub("%z", "\u{FFFD}")), n = 5 }
  end
  return ("INSERT INTO %s (revision, direction, started_at, duration_ms, checksum, message) "
    .. "VALUES ($1, $2, pg_catalog.clock_timestamp() - $3::pg_catalog.float8 * interval '1 millisecond', "
    .. "$3::pg_catalog.float8, $4, $5)")
    :format(M.qualified(name, schema)), params
end

-- The newest history row of each revision.
function M.latest_history_query(name, schema)
  return ("SELECT DISTINCT ON (revision) revision, direction, checksum FROM %s ORDER BY revision, id DESC")
    :format(M.qualified(name, schema))
end

function M.select_versions(name, schema)
  return ("SELECT version_num FROM %s"):format(M.qualified(name, schema))
end

-- The marker in the error of a version change that matched no row; the
-- server's message quotes it: ... "luamig: 0 version rows are <id>".
local NO_VERSION_ROW = "luamig: "

-- An UPDATE or DELETE of one version row as one statement that fails when
-- it changes no row (another session or the revision changed the table):
-- the check runs in the same simple query as the rest of the step, before
-- its COMMIT. The failing cast depends on count(*), so the planner cannot
-- fold it into an error of every run.
local function one_row(change_sql, id_param)
  return ("WITH changed AS (%s RETURNING 1) SELECT CASE pg_catalog.count(*) WHEN 1 THEN 1 "
    .. "ELSE ('%s' || pg_catalog.count(*) || ' version rows are ' || $%d)::int END FROM changed")
    :format(change_sql, NO_VERSION_ROW, id_param)
end

-- The version row a failed version change (a database error) found missing, or nil.
function M.missing_version_row(err)
  if err.sqlstate ~= "22P02" or type(err.message) ~= "string" then return nil end
  return err.message:match('"' .. NO_VERSION_ROW .. '%d+ version rows are (.-)"$')
end

-- One statement per version-table change ({op="insert"|"update"|"delete"}),
-- with its parameters.
function M.version_change(name, schema, change)
  local tbl = M.qualified(name, schema)
  if change.op == "insert" then
    return ("INSERT INTO %s (version_num) VALUES ($1)"):format(tbl), { change.id }
  elseif change.op == "update" then
    return one_row(("UPDATE %s SET version_num = $1 WHERE version_num = $2"):format(tbl), 2), { change.to, change.from }
  elseif change.op == "delete" then
    return one_row(("DELETE FROM %s WHERE version_num = $1"):format(tbl), 1), { change.id }
  end
  error("unknown version change " .. tostring(change.op))
end

function M.delete_all_versions(name, schema)
  return ("DELETE FROM %s"):format(M.qualified(name, schema))
end

-- Whether two tables ({name, schema} each) exist: columns t1, t2.
function M.tables_exist_query(a, b)
  return "SELECT pg_catalog.to_regclass($1) IS NOT NULL AS t1, pg_catalog.to_regclass($2) IS NOT NULL AS t2",
    { M.qualified(a[1], a[2]), M.qualified(b[1], b[2]) }
end

-- The schema each unqualified table name resolves to (columns s1, s2, ...):
-- the existing table's own on the search path, else current_schema(), where
-- CREATE TABLE would put it (NULL when the search path names no schema).
function M.resolve_schemas_query(names)
  local columns, params = {}, {}
  for i, name in ipairs(names) do
    params[i] = M.ident(name)
    columns[i] = ("coalesce((SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
      .. "ON n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass($%d)), pg_catalog.current_schema()) AS s%d")
      :format(i, i)
  end
  return "SELECT " .. table.concat(columns, ", "), params
end

-- The server session's pid as the server sees it (column pid); behind a
-- proxy it differs from the one libpq reports.
M.BACKEND_PID_QUERY = "SELECT pg_catalog.pg_backend_pid() AS pid"

-- The migration lock: a session advisory lock keyed by the version table's
-- schema-qualified name.
function M.try_lock_query(class, name)
  return "SELECT pg_catalog.pg_try_advisory_lock($1::int, pg_catalog.hashtext($2)) AS locked", { class, name }
end

function M.unlock_query(class, name)
  return "SELECT pg_catalog.pg_advisory_unlock($1::int, pg_catalog.hashtext($2))", { class, name }
end

-- A transaction lock serializing the creation of the bookkeeping tables
-- (the history table is shared by projects with different version tables,
-- hence different migration locks); `name` is no table's qualified name.
function M.bookkeeping_lock(class, name)
  return "SELECT pg_catalog.pg_advisory_xact_lock($1::int, pg_catalog.hashtext($2))", { class, name }
end

-- settings: { {name, value} }: session-wide SETs.
function M.set_settings(settings)
  local parts = {}
  for i, kv in ipairs(settings) do
    parts[i] = ("SET %s = %s"):format(M.ident(kv[1]), M.literal(kv[2]))
  end
  return table.concat(parts, "; ")
end

return M
