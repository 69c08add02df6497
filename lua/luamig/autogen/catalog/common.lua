-- What the catalog readers of autogenerate share: schema names as one
-- bound text[] parameter, a column of rows, the connection's current schema.
local M = {}

-- A text[] literal: every element double-quoted, so any name survives.
function M.text_array(list)
  local parts = {}
  for i, s in ipairs(list) do parts[i] = '"' .. s:gsub('[\\"]', "\\%0") .. '"' end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- one field of each row, in order
function M.column_list(rows, field)
  local out = {}
  for _, r in ipairs(rows) do out[#out + 1] = r[field] end
  return out
end

function M.current_schema(conn)
  local rows = conn:query("SELECT current_schema() AS name")
  return rows[1] and rows[1].name or "public"
end

return M
