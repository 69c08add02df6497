-- The SQL of COPY ... FROM STDIN and its data, for op.bulk_insert.
local args = require("luamig.args")
local clause = require("luamig.ddl.clause")
local core = require("luamig.core")
local quote = require("luamig.ddl.quote")

local qualified = quote.qualified
local M = {}

function M.copy_from_stdin(what, table_name, columns, schema)
  local cols = columns ~= nil and (" (" .. clause.ident_list(what, "columns", columns) .. ")") or ""
  return ("COPY %s%s FROM STDIN"):format(qualified(table_name, schema), cols)
end

-- rows[1..n] as COPY text lines of ncols fields (row[i], or
-- row[columns[i]] when keyed; columns also name fields in errors). \N is
-- NULL (nil or op.NULL); a backslash, tab, newline or carriage return is
-- escaped, so a value can never end its field, its row or the data (a
-- "\." line). Encoded in C: in Lua the escaping cost several times what
-- the server spends parsing the rows.
function M.copy_rows(rows, n, ncols, columns, keyed)
  return core.copy_encode(rows, n, ncols, args.NULL, columns, keyed)
end

return M
