-- The SQL of the objects that depend on tables (issue 15): functions and
-- procedures, triggers, views, row security and policies. A function's body is the user's code by
-- design (it holds ';' and comments): it goes between dollar quotes whose
-- tag it does not contain, so it can never end early. Arguments, result
-- types, trigger conditions and view queries are checked fragments.
local args = require("luamig.args")
local clause = require("luamig.ddl.clause")
local constraint = require("luamig.ddl.constraint")
local quote = require("luamig.ddl.quote")

local fail, fragment, qualified = args.fail, clause.fragment, quote.qualified
local M = {}

--------------------------------------------------------------- functions

-- $$, or $function$, $function1$, ...: the first tag the body lacks.
local function dollar_quoted(body)
  local tag, n = "$$", 0
  while body:find(tag, 1, true) do
    tag = ("$function%s$"):format(n == 0 and "" or tostring(n))
    n = n + 1
  end
  return tag .. body .. tag
end

-- the settings whose value is a list of names, written as they are
local LIST_SETTINGS = { search_path = true, temp_tablespaces = true, local_preload_libraries = true,
                        session_preload_libraries = true, shared_preload_libraries = true }

-- "name=value" (pg_proc.proconfig's spelling) as SET name TO value.
local function setting(what, item)
  local name, value = tostring(item):match("^%s*([%w_%.]+)%s*=%s*(.-)%s*$")
  if name == nil then fail(what, "set item %q is not \"name=value\"", tostring(item)) end
  if LIST_SETTINGS[name:lower()] then
    return ("SET %s TO %s"):format(name, fragment(what, "set " .. name, value))
  end
  return ("SET %s TO %s"):format(name, quote.literal(value))
end

local VOLATILITY = { "IMMUTABLE", "STABLE", "VOLATILE" }
local PARALLEL = { "SAFE", "RESTRICTED", "UNSAFE" }

-- The attribute lines of CREATE FUNCTION, in pg_get_functiondef's order.
local function attributes(what, f)
  local lines = { " LANGUAGE " .. quote.ident(f.language) }
  if f.volatility then lines[#lines + 1] = " " .. clause.keyword(what, "volatility", f.volatility, VOLATILITY) end
  if f.parallel then lines[#lines + 1] = " PARALLEL " .. clause.keyword(what, "parallel", f.parallel, PARALLEL) end
  if f.leakproof then lines[#lines + 1] = " LEAKPROOF" end
  if f.strict then lines[#lines + 1] = " STRICT" end
  if f.security_definer then lines[#lines + 1] = " SECURITY DEFINER" end
  if f.cost then lines[#lines + 1] = (" COST %s"):format(tonumber(f.cost) or fail(what, "cost must be a number")) end
  if f.rows then lines[#lines + 1] = (" ROWS %s"):format(tonumber(f.rows) or fail(what, "rows must be a number")) end
  for _, item in ipairs(f.set or {}) do lines[#lines + 1] = " " .. setting(what, item) end
  return lines
end

-- The pieces of an argument list split at its top-level commas: those
-- inside parentheses, brackets or quotes (a default's) stay.
local function split_arguments(list)
  local parts, depth, start, i, quote_char = {}, 0, 1, 1, nil
  while i <= #list do
    local c = list:sub(i, i)
    if quote_char then
      if c == quote_char then quote_char = nil end
    elseif c == "'" or c == '"' then
      quote_char = c
    elseif c == "(" or c == "[" then
      depth = depth + 1
    elseif c == ")" or c == "]" then
      depth = depth - 1
    elseif c == "," and depth == 0 then
      parts[#parts + 1], start = list:sub(start, i - 1), i + 1
    end
    i = i + 1
  end
  parts[#parts + 1] = list:sub(start)
  return parts
end

-- An argument without its default (DEFAULT x or = x), which DROP and
-- COMMENT ON refuse; a quoted name or type keeps its text.
local function without_default(arg)
  local out, i = {}, 1
  for piece, q in arg:gmatch("([^'\"]*)(['\"]?[^'\"]*['\"]?)") do
    local cut = piece:find("%s*=") or piece:lower():find("%s+default%s") or piece:lower():find("%s+default$")
    if cut then out[i] = piece:sub(1, cut - 1) break end
    out[i], out[i + 1], i = piece, q, i + 2
  end
  return (table.concat(out):gsub("^%s+", ""):gsub("%s+$", ""))
end

-- The arguments without their defaults, which DROP and COMMENT ON take.
function M.function_identity(args)
  if (args or ""):find("^%s*$") then return "" end
  local parts = split_arguments(args)
  for i, arg in ipairs(parts) do parts[i] = without_default(arg) end
  return table.concat(parts, ", ")
end

-- COMMENT ON FUNCTION; a replaced function's comment is set even when nil
-- (removed), so that a replace leaves the one asked for.
local function function_comment(what, name, f, opts)
  local identity = M.function_identity(f.args)
  local target = ("%s(%s)"):format(qualified(name, opts.schema), identity == "" and "" or fragment(what, "args", identity))
  return clause.comment_on(f.procedure and "PROCEDURE" or "FUNCTION", target, f.comment)
end

-- f = { args, returns (nil for a procedure), language, body, volatility,
-- parallel, leakproof, strict, security_definer, cost, rows, set = { "name=value" },
-- procedure, replace, comment }.
function M.create_function(what, name, f, opts)
  if type(f.body) ~= "string" then fail(what, "body must be a string") end
  args.non_empty_string(what, "language", f.language)
  local head = ("CREATE %s%s %s(%s)"):format(f.replace and "OR REPLACE " or "",
    f.procedure and "PROCEDURE" or "FUNCTION", qualified(name, opts.schema),
    (f.args or "") == "" and "" or fragment(what, "args", f.args))
  if not f.procedure then head = head .. " RETURNS " .. fragment(what, "returns", f.returns) end
  local lines = { head }
  for _, line in ipairs(attributes(what, f)) do lines[#lines + 1] = line end
  lines[#lines + 1] = "AS " .. dollar_quoted(f.body)
  local stmts = { table.concat(lines, "\n") }
  if f.comment ~= nil or f.replace then stmts[2] = function_comment(what, name, f, opts) end
  -- an SQL function's body is checked against the functions and tables
  -- that exist, which another function created later may be (as pg_dump,
  -- the check is off while it is created)
  if f.language:lower() ~= "sql" then return stmts end
  table.insert(stmts, 1, "SET check_function_bodies = off")
  stmts[#stmts + 1] = "RESET check_function_bodies"
  return stmts
end

-- identity: the argument types that tell overloads apart ("integer, text").
function M.drop_function(what, name, identity, opts)
  return { ("DROP %s %s%s(%s)%s"):format(opts.procedure and "PROCEDURE" or "FUNCTION",
    opts.if_exists and "IF EXISTS " or "", qualified(name, opts.schema),
    (identity or "") == "" and "" or fragment(what, "args", identity), opts.cascade and " CASCADE" or "") }
end

---------------------------------------------------------------- triggers

local TIMING = { "BEFORE", "AFTER", "INSTEAD OF" }
local EVENTS = { "INSERT", "UPDATE", "DELETE", "TRUNCATE" }
local EACH = { "ROW", "STATEMENT" }

local function trigger_events(what, t)
  local events = type(t.events) == "string" and { t.events } or t.events
  if type(events) ~= "table" or #events == 0 then fail(what, "events must be a non-empty list") end
  local out = {}
  for i, e in ipairs(events) do
    out[i] = clause.keyword(what, "event", e, EVENTS)
    if out[i] == "UPDATE" and t.columns then out[i] = "UPDATE OF " .. clause.ident_list(what, "columns", t.columns) end
  end
  return table.concat(out, " OR ")
end

-- DEFERRABLE ... of a constraint trigger, which only one has (issue 15).
local function trigger_deferral(what, t)
  if not t.constraint then
    if t.deferrable ~= nil or t.initially ~= nil then fail(what, "deferrable and initially need constraint = true") end
    return ""
  end
  return constraint.deferral(what, t.deferrable, t.initially)
end

-- REFERENCING OLD TABLE AS old_table NEW TABLE AS new_table (issue 15).
local function transition_tables(t)
  local parts = {}
  if t.old_table then parts[#parts + 1] = "OLD TABLE AS " .. quote.ident(t.old_table) end
  if t.new_table then parts[#parts + 1] = "NEW TABLE AS " .. quote.ident(t.new_table) end
  return #parts > 0 and " REFERENCING " .. table.concat(parts, " ") or ""
end

-- a trigger or policy: named on its table
local function on_table(name, table_name, opts)
  return ("%s ON %s"):format(quote.ident(name), qualified(table_name, opts.schema))
end

-- t = { timing, events = { "INSERT", ... }, columns (of UPDATE OF), each,
-- when (SQL), execute = "fn(args)" (the function call, the user's SQL),
-- old_table, new_table (transition tables), constraint (CREATE CONSTRAINT
-- TRIGGER) with deferrable and initially, comment }.
function M.create_trigger(what, name, table_name, t, opts)
  local sql = ("CREATE %sTRIGGER %s %s %s ON %s%s%s FOR EACH %s"):format(t.constraint and "CONSTRAINT " or "",
    quote.ident(name), clause.keyword(what, "timing", t.timing, TIMING), trigger_events(what, t),
    qualified(table_name, opts.schema), trigger_deferral(what, t), transition_tables(t),
    clause.keyword(what, "each", t.each or "STATEMENT", EACH))
  if t.when then sql = sql .. (" WHEN (%s)"):format(fragment(what, "when", t.when)) end
  local stmts = { sql .. " EXECUTE FUNCTION " .. fragment(what, "execute", t.execute) }
  if t.comment ~= nil then stmts[2] = M.comment_on_trigger(name, table_name, t.comment, opts)[1] end
  return stmts
end

-- COMMENT ON TRIGGER; comment nil removes it.
function M.comment_on_trigger(name, table_name, comment, opts)
  return { clause.comment_on("TRIGGER", on_table(name, table_name, opts), comment) }
end

function M.drop_trigger(name, table_name, opts)
  return { ("DROP TRIGGER %s%s ON %s%s"):format(opts.if_exists and "IF EXISTS " or "", quote.ident(name),
    qualified(table_name, opts.schema), opts.cascade and " CASCADE" or "") }
end

-------------------------------------------------- row security, policies

-- FORCE follows ENABLE, so a table's owner is held to its policies or not.
function M.enable_row_security(table_name, opts)
  local tbl = qualified(table_name, opts.schema)
  return { ("ALTER TABLE %s ENABLE ROW LEVEL SECURITY"):format(tbl),
           ("ALTER TABLE %s %s ROW LEVEL SECURITY"):format(tbl, opts.force and "FORCE" or "NO FORCE") }
end

function M.disable_row_security(table_name, opts)
  local tbl = qualified(table_name, opts.schema)
  return { ("ALTER TABLE %s DISABLE ROW LEVEL SECURITY"):format(tbl),
           ("ALTER TABLE %s NO FORCE ROW LEVEL SECURITY"):format(tbl) }
end

local COMMANDS = { "ALL", "SELECT", "INSERT", "UPDATE", "DELETE" }

-- p = { command (ALL), roles = { "name" } (PUBLIC), using, with_check,
-- permissive (true) }.
function M.create_policy(what, name, table_name, p, opts)
  local parts = { ("CREATE POLICY %s ON %s"):format(quote.ident(name), qualified(table_name, opts.schema)) }
  if p.permissive == false then parts[#parts + 1] = "AS RESTRICTIVE" end
  if p.command then parts[#parts + 1] = "FOR " .. clause.keyword(what, "command", p.command, COMMANDS) end
  if p.roles and #p.roles > 0 then
    local roles = {}
    for i, r in ipairs(p.roles) do roles[i] = r:lower() == "public" and "PUBLIC" or quote.ident(r) end
    parts[#parts + 1] = "TO " .. table.concat(roles, ", ")
  end
  if p.using then parts[#parts + 1] = ("USING (%s)"):format(fragment(what, "using", p.using)) end
  if p.with_check then parts[#parts + 1] = ("WITH CHECK (%s)"):format(fragment(what, "with_check", p.with_check)) end
  local stmts = { table.concat(parts, " ") }
  if p.comment ~= nil then stmts[2] = M.comment_on_policy(name, table_name, p.comment, opts)[1] end
  return stmts
end

-- COMMENT ON POLICY; comment nil removes it.
function M.comment_on_policy(name, table_name, comment, opts)
  return { clause.comment_on("POLICY", on_table(name, table_name, opts), comment) }
end

function M.drop_policy(name, table_name, opts)
  return { ("DROP POLICY %s%s ON %s"):format(opts.if_exists and "IF EXISTS " or "", quote.ident(name),
    qualified(table_name, opts.schema)) }
end

------------------------------------------------------------------- views

-- A view's query may end with the ';' pg_get_viewdef writes.
local function view_query(what, sql)
  if type(sql) ~= "string" then fail(what, "the query must be a string of SQL") end
  return fragment(what, "query", (sql:gsub(";%s*$", "")))
end

-- COMMENT ON [MATERIALIZED] VIEW; comment nil removes it.
function M.comment_on_view(name, comment, opts)
  return { clause.comment_on(opts.materialized and "MATERIALIZED VIEW" or "VIEW", qualified(name, opts.schema), comment) }
end

function M.create_view(what, name, sql, opts)
  local stmts = { ("CREATE %s%sVIEW %s AS\n%s"):format(opts.replace and "OR REPLACE " or "",
    opts.materialized and "MATERIALIZED " or "", qualified(name, opts.schema), view_query(what, sql)) }
  if opts.comment ~= nil then stmts[2] = M.comment_on_view(name, opts.comment, opts)[1] end
  return stmts
end

function M.drop_view(name, opts)
  return { ("DROP %sVIEW %s%s%s"):format(opts.materialized and "MATERIALIZED " or "",
    opts.if_exists and "IF EXISTS " or "", qualified(name, opts.schema), opts.cascade and " CASCADE" or "") }
end

return M
