-- The SQL of columns: the column spec (DESIGN.md §7) validated and
-- normalised, its definition in CREATE TABLE or ADD COLUMN with its
-- comment, and add, drop and alter column.
local args = require("luamig.args")
local clause = require("luamig.ddl.clause")
local constraint = require("luamig.ddl.constraint")
local keys = require("luamig.ddl.keys")
local quote = require("luamig.ddl.quote")

local fail, fragment, ident, NULL = args.fail, clause.fragment, quote.ident, args.NULL
local M = {}

-- Validates a column spec { name, type, ... } and returns the normalised
-- one. default is SQL text (a number or boolean is written as itself);
-- default = op.NULL is the same as no default.
function M.column(what, spec)
  if type(spec) ~= "table" then fail(what, "a column must be a table { name, type, ... }") end
  args.known_keys(what, "column option", spec, keys.column)
  local name = spec[1] or spec.name
  if type(name) ~= "string" or name == "" then fail(what, "a column needs a name") end
  local col_what = ("%s: column %q"):format(what, name)
  local default = spec.default
  if default == NULL then default = nil end
  if spec.comment ~= nil and type(spec.comment) ~= "string" then fail(col_what, "comment must be a string") end
  if default ~= nil and (spec.identity ~= nil or spec.generated ~= nil) then
    fail(col_what, "a column cannot have both a default and identity or generated")
  end
  if spec.identity ~= nil and spec.generated ~= nil then
    fail(col_what, "a column cannot be both an identity and generated")
  end
  return {
    name = name,
    type = clause.type_name(col_what, spec[2] or spec.type),
    nullable = spec.nullable,
    default = default ~= nil and fragment(col_what, "default", tostring(default)) or nil,
    primary_key = spec.primary_key,
    unique = spec.unique,
    references = spec.references ~= nil and constraint.parse_reference(col_what, spec.references) or nil,
    check = spec.check ~= nil and fragment(col_what, "check", spec.check) or nil,
    comment = spec.comment,
    identity = spec.identity ~= nil and M.identity(col_what, spec.identity, true) or nil,
    generated = spec.generated ~= nil and fragment(col_what, "generated", spec.generated) or nil,
  }
end

------------------------------------------- identity (issue 15 item 6)

local generations = { "ALWAYS", "BY DEFAULT" }
-- the sequence options in the order PostgreSQL's grammar lists them
local sequence_options = {
  { "start", "START WITH %d" }, { "increment", "INCREMENT BY %d" }, { "minvalue", "MINVALUE %d" },
  { "maxvalue", "MAXVALUE %d" }, { "cache", "CACHE %d" },
}

-- identity = "always" | "by default" | { generation, start =, increment =,
-- minvalue =, maxvalue =, cache =, cycle = } normalised to the table form,
-- the generation lower-cased ({ "always" }); need_generation false lets
-- it be left out (set_identity changes only options).
function M.identity(what, spec, need_generation)
  if type(spec) == "string" then spec = { spec } end
  if type(spec) ~= "table" then fail(what, "identity must be \"always\", \"by default\" or a table") end
  args.known_keys(what, "identity option", spec, keys.identity, 1)
  local out = {}
  if spec[1] ~= nil or need_generation then
    out[1] = clause.keyword(what, "identity", spec[1], generations):lower()
  end
  for k in pairs(keys.identity) do
    local v = spec[k]
    if k == "sequence_name" then
      if v ~= nil then args.non_empty_string(what, "identity option sequence_name", v) end
    elseif v ~= nil and k ~= "cycle" and math.type(v) ~= "integer" then
      fail(what, "identity option %s must be an integer, got %s", k, args.type_of(v))
    elseif v ~= nil and k == "cycle" and type(v) ~= "boolean" then
      fail(what, "identity option cycle must be a boolean, got %s", args.type_of(v))
    end
    out[k] = v
  end
  return out
end

-- The sequence options of a normalised identity, each with prefix.
local function sequence_clauses(identity, prefix)
  local out = {}
  for _, o in ipairs(sequence_options) do
    if identity[o[1]] ~= nil then out[#out + 1] = prefix .. o[2]:format(identity[o[1]]) end
  end
  if identity.cycle ~= nil then out[#out + 1] = prefix .. (identity.cycle and "CYCLE" or "NO CYCLE") end
  return out
end

-- GENERATED ALWAYS|BY DEFAULT AS IDENTITY [ (options) ]; schema: the
-- table's, where a SEQUENCE NAME goes (unqualified, it would go to the
-- first schema of search_path).
function M.identity_clause(identity, schema)
  local sql = ("GENERATED %s AS IDENTITY"):format(identity[1]:upper())
  local opts = sequence_clauses(identity, "")
  if identity.sequence_name then table.insert(opts, 1, "SEQUENCE NAME " .. quote.qualified(identity.sequence_name, schema)) end
  if #opts > 0 then sql = sql .. " (" .. table.concat(opts, " ") .. ")" end
  return sql
end

-- set_identity without its restart (RESTART WITH n, or RESTART at the
-- start when true), which only ALTER COLUMN takes: it is the sequence's
-- state, not the schema, so a column spec has no such option.
local function without_restart(what, spec)
  if type(spec) ~= "table" or spec.restart == nil then return spec, nil end
  local restart = spec.restart
  if restart ~= true and math.type(restart) ~= "integer" then
    fail(what, "set_identity option restart must be an integer or true, got %s", args.type_of(restart))
  end
  local rest = {}
  for k, v in pairs(spec) do rest[k] = v end
  rest.restart = nil
  return rest, restart
end

-- ALTER COLUMN's identity actions: identity (ADD GENERATED, op.NULL: DROP
-- IDENTITY) and set_identity (SET GENERATED, SET of each option given,
-- RESTART).
-- DROP IDENTITY goes first (before a DROP NOT NULL it allows), ADD last
-- (after the SET NOT NULL it needs).
local function identity_actions(what, col, ch, actions, action)
  if ch.identity == NULL then
    table.insert(actions, 1, ("ALTER COLUMN %s DROP IDENTITY"):format(col))
  elseif ch.identity ~= nil then
    action("ADD " .. M.identity_clause(M.identity(what, ch.identity, true), ch.schema))
  end
  if ch.set_identity ~= nil then
    local spec, restart = without_restart(what, ch.set_identity)
    local id = M.identity(what, spec, false)
    if id.sequence_name then fail(what, "set_identity cannot rename the sequence: use op.rename_sequence") end
    local parts = sequence_clauses(id, "SET ")
    if id[1] then table.insert(parts, 1, "SET GENERATED " .. id[1]:upper()) end
    if restart == true then parts[#parts + 1] = "RESTART" end
    if math.type(restart) == "integer" then parts[#parts + 1] = ("RESTART WITH %d"):format(restart) end
    if #parts == 0 then fail(what, "set_identity changes nothing") end
    action(table.concat(parts, " "))
  end
end

-- A normalised column as a line of CREATE TABLE or ADD COLUMN of a table
-- in schema (nil: the current one).
function M.definition(what, col, schema)
  local parts = { ident(col.name), col.type }
  if col.nullable == false then parts[#parts + 1] = "NOT NULL" end
  if col.default ~= nil then parts[#parts + 1] = "DEFAULT " .. col.default end
  if col.identity then parts[#parts + 1] = M.identity_clause(col.identity, schema) end
  if col.generated then parts[#parts + 1] = ("GENERATED ALWAYS AS (%s) STORED"):format(col.generated) end
  if col.primary_key then parts[#parts + 1] = "PRIMARY KEY" end
  if col.unique then parts[#parts + 1] = "UNIQUE" end
  if col.check then parts[#parts + 1] = ("CHECK (%s)"):format(col.check) end
  if col.references then
    parts[#parts + 1] = constraint.references_clause(("%s: column %q"):format(what, col.name), col.references)
  end
  return table.concat(parts, " ")
end

-- Appends to stmts a COMMENT ON COLUMN for each column with a comment.
function M.comments(stmts, table_sql, columns)
  for _, col in ipairs(columns) do
    if col.comment ~= nil then
      stmts[#stmts + 1] = clause.comment_on("COLUMN", table_sql .. "." .. ident(col.name), col.comment)
    end
  end
  return stmts
end

function M.add_column(what, table_name, col, opts)
  local tbl = quote.qualified(table_name, opts.schema)
  local stmts = { ("ALTER TABLE %s ADD COLUMN %s%s"):format(tbl,
    opts.if_not_exists and "IF NOT EXISTS " or "", M.definition(what, col, opts.schema)) }
  return M.comments(stmts, tbl, { col })
end

function M.drop_column(table_name, name, opts)
  return { ("ALTER TABLE %s DROP COLUMN %s%s%s"):format(quote.qualified(table_name, opts.schema),
    opts.if_exists and "IF EXISTS " or "", ident(name), opts.cascade and " CASCADE" or "") }
end

-- The ALTER COLUMN actions of changes' type, using, nullable and default.
local function alter_actions(what, col, ch)
  local actions = {}
  local function action(text) actions[#actions + 1] = ("ALTER COLUMN %s %s"):format(col, text) end
  if ch.type ~= nil then
    action("TYPE " .. clause.type_name(what, ch.type)
      .. (ch.using ~= nil and (" USING " .. fragment(what, "using", ch.using)) or ""))
  elseif ch.using ~= nil then
    fail(what, "using needs type: it says how to convert the column to the new type")
  end
  if ch.nullable ~= nil then action(ch.nullable and "DROP NOT NULL" or "SET NOT NULL") end
  if ch.default == NULL or (ch.default ~= nil and ch.type ~= nil) then
    -- a new type with a new default: the old default goes first (this pass
    -- runs before the type change), or it may fail to cast to the new type
    table.insert(actions, 1, ("ALTER COLUMN %s DROP DEFAULT"):format(col))
  end
  if ch.default ~= nil and ch.default ~= NULL then
    action("SET DEFAULT " .. fragment(what, "default", tostring(ch.default)))
  end
  identity_actions(what, col, ch, actions, action)
  if ch.statistics ~= nil then
    if math.type(ch.statistics) ~= "integer" or ch.statistics < -1 then
      fail(what, "statistics must be an integer, -1 for the default, got %s", tostring(ch.statistics))
    end
    action(("SET STATISTICS %d"):format(ch.statistics))
  end
  return actions
end

-- changes: { type, using, nullable, default, statistics, new_name,
-- comment, schema }; statistics = n sets the column's statistics target
-- (-1: back to the default).
-- The type, nullability and default changes share one ALTER TABLE (one
-- lock, one rewrite at most); the comment is set and the column renamed
-- after. default = op.NULL drops the default (default = false sets the
-- SQL default false, as in a column spec); comment = op.NULL drops the
-- comment.
function M.alter_column(what, table_name, name, ch)
  local tbl, col = quote.qualified(table_name, ch.schema), ident(name)
  local actions = alter_actions(what, col, ch)
  local stmts = {}
  if #actions > 0 then stmts[1] = ("ALTER TABLE %s %s"):format(tbl, table.concat(actions, ", ")) end
  if ch.comment ~= nil then stmts[#stmts + 1] = clause.comment_on("COLUMN", tbl .. "." .. col, ch.comment) end
  if ch.new_name ~= nil then
    stmts[#stmts + 1] = ("ALTER TABLE %s RENAME COLUMN %s TO %s"):format(tbl, col, ident(ch.new_name))
  end
  if #stmts == 0 then
    fail(what, "nothing to change: give type, nullable, default, identity, set_identity, statistics, comment or new_name")
  end
  return stmts
end

return M
