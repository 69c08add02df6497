-- The SQL of the objects tables need (issue 15): extensions, sequences and
-- enum types, domains. Names go through ident, enum labels through literal (DDL
-- takes no parameters), numbers are checked integers.
local args = require("luamig.args")
local clause = require("luamig.ddl.clause")
local quote = require("luamig.ddl.quote")

local fail, ident, qualified, literal = args.fail, quote.ident, quote.qualified, quote.literal
local M = {}

------------------------------------------------------------- extensions

-- opts: schema, if_not_exists.
function M.create_extension(name, opts)
  return { ("CREATE EXTENSION %s%s%s"):format(opts.if_not_exists and "IF NOT EXISTS " or "", ident(name),
    opts.schema and (" WITH SCHEMA " .. ident(opts.schema)) or "") }
end

-- opts: if_exists, cascade.
function M.drop_extension(name, opts)
  return { ("DROP EXTENSION %s%s%s"):format(opts.if_exists and "IF EXISTS " or "", ident(name),
    opts.cascade and " CASCADE" or "") }
end

-- opts: schema (SET SCHEMA: the extension's objects move along).
function M.alter_extension(what, name, opts)
  if opts.schema == nil then fail(what, "nothing to change") end
  return { ("ALTER EXTENSION %s SET SCHEMA %s"):format(ident(name), ident(opts.schema)) }
end

-------------------------------------------------------------- sequences

local sequence_types = { smallint = true, integer = true, bigint = true }

local function integer_of(what, label, v)
  if math.type(v) ~= "integer" then fail(what, "%s must be an integer, got %s", label, args.type_of(v)) end
  return tostring(v)
end

-- "t.c" (the sequence's own schema) as OWNED BY takes it; op.NULL is NONE.
local function owner(what, owned_by, schema)
  if owned_by == quote.NULL then return "NONE" end
  local t, c = owned_by:match("^(.+)%.([^.]+)$")
  if t == nil then fail(what, "owned_by must be \"table.column\", got %q", owned_by) end
  return qualified(t, schema) .. "." .. ident(c)
end

-- The clauses CREATE and ALTER SEQUENCE share, in their order; opts:
-- as_type, start, increment, minvalue, maxvalue, cache, cycle, owned_by.
-- minvalue or maxvalue = op.NULL is NO MINVALUE / NO MAXVALUE.
local function sequence_clauses(what, opts)
  local out = {}
  if opts.as_type ~= nil then
    if not sequence_types[opts.as_type] then
      fail(what, "as_type must be smallint, integer or bigint, got %q", tostring(opts.as_type))
    end
    out[#out + 1] = "AS " .. opts.as_type
  end
  local numbered = { { "increment", "INCREMENT BY" }, { "minvalue", "MINVALUE", "NO MINVALUE" },
                     { "maxvalue", "MAXVALUE", "NO MAXVALUE" }, { "start", "START WITH" },
                     { "cache", "CACHE" } }
  for _, n in ipairs(numbered) do
    local v = opts[n[1]]
    if v == quote.NULL and n[3] then out[#out + 1] = n[3]
    elseif v ~= nil then out[#out + 1] = n[2] .. " " .. integer_of(what, n[1], v) end
  end
  if opts.cycle ~= nil then out[#out + 1] = opts.cycle and "CYCLE" or "NO CYCLE" end
  if opts.owned_by ~= nil then out[#out + 1] = "OWNED BY " .. owner(what, opts.owned_by, opts.schema) end
  return out
end

local function with_clauses(head, clauses)
  if #clauses == 0 then return head end
  return head .. " " .. table.concat(clauses, " ")
end

-- opts: schema, if_not_exists and the clauses of sequence_clauses.
function M.create_sequence(what, name, opts)
  return { with_clauses(("CREATE SEQUENCE %s%s"):format(opts.if_not_exists and "IF NOT EXISTS " or "",
    qualified(name, opts.schema)), sequence_clauses(what, opts)) }
end

-- opts: schema and the clauses of sequence_clauses (at least one).
function M.alter_sequence(what, name, opts)
  local clauses = sequence_clauses(what, opts)
  if #clauses == 0 then fail(what, "nothing to change") end
  return { with_clauses("ALTER SEQUENCE " .. qualified(name, opts.schema), clauses) }
end

-- opts: schema (the sequence's, which it keeps).
function M.rename_sequence(old, new, opts)
  return { ("ALTER SEQUENCE %s RENAME TO %s"):format(qualified(old, opts.schema), ident(new)) }
end

-- opts: schema, if_exists, cascade.
function M.drop_sequence(name, opts)
  return { ("DROP SEQUENCE %s%s%s"):format(opts.if_exists and "IF EXISTS " or "", qualified(name, opts.schema),
    opts.cascade and " CASCADE" or "") }
end

------------------------------------------------------------------ enums

local function label_of(what, v)
  if type(v) ~= "string" or v == "" then
    fail(what, "an enum value must be a non-empty string, got %s", args.type_of(v))
  end
  return literal(v)
end

-- values: the labels in their order; opts: schema.
function M.create_enum(what, name, values, opts)
  if type(values) ~= "table" then fail(what, "values must be a list of strings") end
  local labels = {}
  for i, v in ipairs(values) do labels[i] = label_of(what, v) end
  return { ("CREATE TYPE %s AS ENUM (%s)"):format(qualified(name, opts.schema), table.concat(labels, ", ")) }
end

-- opts: schema, if_exists, cascade.
function M.drop_enum(name, opts)
  return { ("DROP TYPE %s%s%s"):format(opts.if_exists and "IF EXISTS " or "", qualified(name, opts.schema),
    opts.cascade and " CASCADE" or "") }
end

-- opts: schema, before or after (a label), if_not_exists.
function M.add_enum_value(what, name, value, opts)
  if opts.before ~= nil and opts.after ~= nil then fail(what, "give before or after, not both") end
  local place = ""
  if opts.before ~= nil then place = " BEFORE " .. label_of(what, opts.before) end
  if opts.after ~= nil then place = " AFTER " .. label_of(what, opts.after) end
  return { ("ALTER TYPE %s ADD VALUE %s%s%s"):format(qualified(name, opts.schema),
    opts.if_not_exists and "IF NOT EXISTS " or "", label_of(what, value), place) }
end

---------------------------------------------------------------- domains

-- A domain's [CONSTRAINT name] CHECK (...) from c = { name =, check = }.
local function domain_check(what, label, c)
  if type(c) ~= "table" then fail(what, "%s must be a table { name =, check = }", label) end
  args.known_keys(what, "domain constraint option", c, { name = true, check = true }, 0)
  local head = ""
  if c.name ~= nil then
    head = ("CONSTRAINT %s "):format(ident(args.non_empty_string(what, "constraint name", c.name)))
  end
  return ("%sCHECK (%s)"):format(head, clause.fragment(what, "check", c.check))
end

-- opts: schema, nullable (false: NOT NULL), default (SQL), constraints =
-- { { name =, check = "<SQL on VALUE>" } }.
function M.create_domain(what, name, base_type, opts)
  local parts = { ("CREATE DOMAIN %s AS %s"):format(qualified(name, opts.schema), clause.type_name(what, base_type)) }
  if opts.default ~= nil then parts[#parts + 1] = "DEFAULT " .. clause.fragment(what, "default", opts.default) end
  if opts.nullable == false then parts[#parts + 1] = "NOT NULL" end
  for i, c in ipairs(opts.constraints or {}) do parts[#parts + 1] = domain_check(what, ("constraints[%d]"):format(i), c) end
  return { table.concat(parts, " ") }
end

-- One ALTER DOMAIN per change; opts: schema, default (SQL; op.NULL: DROP
-- DEFAULT), nullable (false: SET NOT NULL, true: DROP NOT NULL),
-- drop_constraint = name, add_constraint = { name =, check = }, in that
-- order (a check changed is a drop and an add).
function M.alter_domain(what, name, opts)
  local head, out = "ALTER DOMAIN " .. qualified(name, opts.schema) .. " ", {}
  if opts.default == quote.NULL then out[#out + 1] = head .. "DROP DEFAULT"
  elseif opts.default ~= nil then out[#out + 1] = head .. "SET DEFAULT " .. clause.fragment(what, "default", opts.default) end
  if opts.nullable ~= nil then out[#out + 1] = head .. (opts.nullable and "DROP NOT NULL" or "SET NOT NULL") end
  if opts.drop_constraint ~= nil then
    out[#out + 1] = head .. "DROP CONSTRAINT " .. ident(args.non_empty_string(what, "drop_constraint", opts.drop_constraint))
  end
  if opts.add_constraint ~= nil then out[#out + 1] = head .. "ADD " .. domain_check(what, "add_constraint", opts.add_constraint) end
  if #out == 0 then fail(what, "nothing to change") end
  return out
end

-- opts: schema, if_exists, cascade.
function M.drop_domain(name, opts)
  return { ("DROP DOMAIN %s%s%s"):format(opts.if_exists and "IF EXISTS " or "", qualified(name, opts.schema),
    opts.cascade and " CASCADE" or "") }
end

return M
