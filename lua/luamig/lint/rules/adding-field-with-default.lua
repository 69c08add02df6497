-- ADD COLUMN with a DEFAULT: from PostgreSQL 11 a non-volatile default is
-- stored in the catalog and the ADD is instant; a volatile one (random(),
-- gen_random_uuid(), clock_timestamp(), nextval()) or a stored generated
-- column rewrites the whole table under an ACCESS EXCLUSIVE lock, as any
-- default did before 11.
local tree = require("luamig.lint.tree")

-- functions PostgreSQL marks stable or immutable that defaults often call
local NOT_VOLATILE = { now = true, statement_timestamp = true, transaction_timestamp = true,
                       current_date = true, lower = true, upper = true, coalesce = true }

local function non_volatile(expr)
  local kind, body = tree.node(expr)
  if kind == "A_Const" or kind == "SQLValueFunction" then return true end
  if kind == "TypeCast" then return non_volatile(body.arg) end
  if kind == "A_Expr" then return non_volatile(body.lexpr or { A_Const = {} }) and non_volatile(body.rexpr) end
  if kind == "FuncCall" then
    local name = tree.dotted(body.funcname):gsub("^pg_catalog%.", "")
    if not NOT_VOLATILE[name] then return false end
    for _, a in ipairs(body.args or {}) do
      if not non_volatile(a) then return false end
    end
    return true
  end
  return false
end

-- why adding coldef rewrites the table on server version v, or nil
local function rewrite_cause(coldef, v)
  for _, c in ipairs(tree.column_constraints(coldef)) do
    if c.contype == "CONSTR_GENERATED" then return "a stored generated column" end
    if c.contype == "CONSTR_DEFAULT" then
      if v < 110000 then return "a default (before PostgreSQL 11, any default)" end
      if not non_volatile(c.raw_expr) then return "a volatile default" end
    end
  end
  return nil
end

return {
  name = "adding-field-with-default",
  level = "error",
  kinds = { "AlterTableStmt" },
  check = function(stmt, ctx)
    local found = {}
    for _, cmd in ipairs(tree.alter_commands(stmt.body)) do
      local coldef = cmd.subtype == "AT_AddColumn" and tree.as(cmd.def, "ColumnDef")
      local cause = coldef and rewrite_cause(coldef, ctx.server_version)
      if cause then
        found[#found + 1] = {
          table = stmt.body.relation,
          message = ("adding column %s with %s rewrites the whole table while holding an ACCESS EXCLUSIVE lock")
            :format(coldef.colname, cause),
          hint = "add the column without a default (or with a constant one), then set the default "
            .. "(op.alter_column) and fill the existing rows in batches (op.backfill)",
        }
      end
    end
    return found
  end,
}
