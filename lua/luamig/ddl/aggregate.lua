-- The SQL of aggregates (issue 15: pagila's views call group_concat).
-- Function names, types and the sort operator are checked fragments of
-- the user's SQL; initial conditions are values, written as literals.
local args = require("luamig.args")
local clause = require("luamig.ddl.clause")
local quote = require("luamig.ddl.quote")

local fail, fragment, qualified = args.fail, clause.fragment, quote.qualified
local M = {}

local MODIFY = { "READ_ONLY", "SHAREABLE", "READ_WRITE" }
local PARALLEL = { "SAFE", "RESTRICTED", "UNSAFE" }

-- CREATE AGGREGATE's clauses in pg_dump's order: the key, its SQL word
-- and how its value is written.
local CLAUSES = {
  { "sfunc", "SFUNC", "sql" }, { "stype", "STYPE", "sql" }, { "sspace", "SSPACE", "number" },
  { "finalfunc", "FINALFUNC", "sql" }, { "finalfunc_extra", "FINALFUNC_EXTRA", "flag" },
  { "finalfunc_modify", "FINALFUNC_MODIFY", MODIFY }, { "combinefunc", "COMBINEFUNC", "sql" },
  { "serialfunc", "SERIALFUNC", "sql" }, { "deserialfunc", "DESERIALFUNC", "sql" },
  { "initcond", "INITCOND", "literal" }, { "msfunc", "MSFUNC", "sql" }, { "minvfunc", "MINVFUNC", "sql" },
  { "mstype", "MSTYPE", "sql" }, { "msspace", "MSSPACE", "number" }, { "mfinalfunc", "MFINALFUNC", "sql" },
  { "mfinalfunc_extra", "MFINALFUNC_EXTRA", "flag" }, { "mfinalfunc_modify", "MFINALFUNC_MODIFY", MODIFY },
  { "minitcond", "MINITCOND", "literal" }, { "sortop", "SORTOP", "sql" }, { "hypothetical", "HYPOTHETICAL", "flag" },
  { "parallel", "PARALLEL", PARALLEL },
}

-- An aggregate's keys in the order op.create_aggregate is written with them.
M.aggregate_fields = { "args" }
for _, c in ipairs(CLAUSES) do M.aggregate_fields[#M.aggregate_fields + 1] = c[1] end
M.aggregate_fields[#M.aggregate_fields + 1] = "comment"

-- "WORD = value" (or "WORD" for a flag), nil when the key is not given.
local function clause_of(what, a, c)
  local k, word, form = c[1], c[2], c[3]
  local v = a[k]
  if v == nil or v == false then return nil end
  if form == "flag" then return word end
  if form == "literal" then
    if type(v) ~= "string" then fail(what, "%s must be a string", k) end
    return ("%s = %s"):format(word, quote.literal(v))
  end
  if form == "number" then
    return ("%s = %s"):format(word, math.tointeger(v) or fail(what, "%s must be an integer", k))
  end
  if form == "sql" then return ("%s = %s"):format(word, fragment(what, k, v)) end
  return ("%s = %s"):format(word, clause.keyword(what, k, v, form))
end

-- The argument list: "*" for none (count(*)'s shape).
local function argument_list(what, list)
  if (list or "") == "" then return "*" end
  return fragment(what, "args", list)
end

-- a = { args = "text", sfunc, stype, and the other keys of ddl.keys.aggregate }.
function M.create_aggregate(what, name, a, opts)
  if a.sfunc == nil or a.stype == nil then fail(what, "sfunc and stype are needed") end
  local target = ("%s(%s)"):format(qualified(name, opts.schema), argument_list(what, a.args))
  local lines = {}
  for _, c in ipairs(CLAUSES) do lines[#lines + 1] = clause_of(what, a, c) end
  local stmts = { ("CREATE AGGREGATE %s (\n    %s\n)"):format(target, table.concat(lines, ",\n    ")) }
  if a.comment ~= nil then stmts[2] = clause.comment_on("AGGREGATE", target, a.comment) end
  return stmts
end

-- identity: the argument types that tell overloads apart ("" for (*)).
function M.drop_aggregate(what, name, identity, opts)
  return { ("DROP AGGREGATE %s%s(%s)%s"):format(opts.if_exists and "IF EXISTS " or "", qualified(name, opts.schema),
    argument_list(what, identity), opts.cascade and " CASCADE" or "") }
end

return M
