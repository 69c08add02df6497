-- ALTER COLUMN TYPE rewrites the table and its indexes while holding an
-- ACCESS EXCLUSIVE lock, except for the changes PostgreSQL knows keep
-- every stored value as it is (its typmod support functions and binary
-- coercions): varchar(n) to varchar(m >= n), varchar or text; text to
-- varchar; numeric(p, s) to numeric(q >= p, s) or numeric; varbit(n) to
-- varbit(m >= n); timestamp, timestamptz to a higher precision or none;
-- cidr to inet (spec/integration/lint/changing_column_type_spec.lua
-- checks each against the server). A USING clause always rewrites.
-- Reported although sometimes free: timestamp to timestamptz (only under
-- TimeZone UTC, which the run's session may not have), interval
-- precision. Which it is needs the column's type now: the live facts
-- give it; offline every change is reported.
local tree = require("luamig.lint.tree")
local columns = require("luamig.lint.columns")

-- an old typmod as the mods the parser gives the new type ({} when none)
local function mods_of(pg_type, typmod)
  if typmod < 0 then return {} end
  if pg_type == "varchar" or pg_type == "bpchar" then return { typmod - 4 } end
  if pg_type == "numeric" then return { (typmod - 4) >> 16, (typmod - 4) & 0xffff } end
  return { typmod }
end

-- whether new's limit (its first mod) is at least old's; no limit is the widest
local function wider(old_mods, new_mods)
  if #new_mods == 0 then return true end
  return #old_mods > 0 and new_mods[1] >= old_mods[1]
end

local SAME_KIND_WIDENS = { varchar = true, varbit = true, timestamp = true, timestamptz = true }

local function widening(old, new)
  local old_mods = mods_of(old.type, old.typmod)
  if old.type == new.name and SAME_KIND_WIDENS[old.type] then return wider(old_mods, new.mods) end
  if old.type == "numeric" and new.name == "numeric" then
    return #new.mods == 0 or (#old_mods > 0 and new.mods[1] >= old_mods[1] and (new.mods[2] or 0) == old_mods[2])
  end
  if (old.type == "varchar" or old.type == "text") and new.name == "text" then return true end
  if old.type == "text" and new.name == "varchar" then return #new.mods == 0 end
  return old.type == "cidr" and new.name == "inet"
end

local function described(t)
  return #t.mods > 0 and ("%s(%s)"):format(t.name, table.concat(t.mods, ",")) or t.name
end

return {
  name = "changing-column-type",
  level = "error",
  kinds = { "AlterTableStmt" },
  check = function(stmt, ctx)
    local found = {}
    local live = ctx.columns[tree.relation_name(stmt.body.relation)] or {}
    for _, d in ipairs(columns.defined(stmt)) do
      local old, new = live[d.coldef.colname], columns.type_of(d.coldef.typeName)
      if d.how == "retype" and (d.coldef.raw_default or not (old and widening(old, new))) then
        found[#found + 1] = {
          table = stmt.body.relation,
          message = ("changing the type of column %s%s to %s rewrites the table and its indexes while holding an ACCESS EXCLUSIVE lock")
            :format(d.coldef.colname, old and (" from " .. old.type) or "", described(new)),
          hint = "add a new column of the new type, fill it in batches (op.backfill) and keep it in step with a trigger, "
            .. "then switch the readers and drop the old column",
        }
      end
    end
    return found
  end,
}
