-- PostgreSQL cuts a name longer than 63 bytes (NAMEDATALEN - 1) with only a
-- NOTICE: two long names that share their first 63 bytes become one, and
-- the next revision that names the object by its full name misses it.
-- The parser (libpg_query as the server) has already cut the names in its
-- tree, so the rule reads the statement's text: its identifiers, bare or
-- quoted, outside string constants, dollar quotes and comments (no
-- keyword is that long).
local MAX = 63

-- the end of what starts at i in sql when it is skipped text (a string
-- constant, a dollar-quoted body, a comment), else nil
local function skipped(sql, i)
  local c2 = sql:sub(i, i + 1)
  if c2 == "--" then return (sql:find("\n", i, true) or #sql) end
  if c2 == "/*" then return select(2, sql:find("*/", i + 2, true)) or #sql end
  if sql:sub(i, i) == "'" then
    local j = i + 1
    while true do
      local q = sql:find("'", j, true)
      if not q then return #sql end
      if sql:sub(q + 1, q + 1) ~= "'" then return q end
      j = q + 2
    end
  end
  local tag = sql:match("^%$[%a_]*%$", i)
  if tag then return select(2, sql:find(tag, i + #tag, true)) or #sql end
  return nil
end

-- what any name over MAX bytes contains (a run of name bytes, or of
-- anything but a double quote): most statements have neither, and are
-- not read further
local LONG_RUN = ("[%w_$\128-\255]"):rep(MAX + 1)
local LONG_QUOTED = '"' .. ('[^"]'):rep(MAX + 1)

-- the identifiers of sql longer than MAX bytes, each once
local function long_identifiers(sql)
  if not (sql:find(LONG_RUN) or sql:find(LONG_QUOTED)) then return {} end
  local found, seen, i = {}, {}, 1
  while i <= #sql do
    local name, to
    local skip = skipped(sql, i)
    if skip then
      i = skip + 1
    else
      if sql:sub(i, i) == '"' then
        to = sql:find('"', i + 1, true) or #sql
        name = sql:sub(i + 1, to - 1)
      else
        local word = sql:match("^[%a_\128-\255][%w_$\128-\255]*", i)
        to = word and i + #word - 1 or i
        name = word
      end
      if name and #name > MAX and not seen[name] then
        seen[name] = true
        found[#found + 1] = name
      end
      i = to + 1
    end
  end
  return found
end

return {
  name = "identifier-too-long",
  level = "warning",
  kinds = { "CreateStmt", "AlterTableStmt", "IndexStmt", "RenameStmt", "CreateTrigStmt", "CreatePolicyStmt",
            "CreateSchemaStmt", "ViewStmt", "CreateTableAsStmt", "CreateSeqStmt", "CreateDomainStmt",
            "CreateEnumStmt", "CreateFunctionStmt" },
  check = function(stmt)
    local found = {}
    for _, name in ipairs(long_identifiers(stmt.sql)) do
      found[#found + 1] = {
        message = ("%s is %d bytes long: PostgreSQL cuts it to %d, and names alike in their first %d bytes collide")
          :format(name, #name, MAX, MAX, MAX),
        hint = ("use a name of at most %d bytes"):format(MAX),
      }
    end
    return found
  end,
}
