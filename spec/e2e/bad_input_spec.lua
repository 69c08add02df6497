-- The broken-input corpus (spec/fixtures/broken/): each case copies some
-- broken files into a fresh project, runs one command against a fresh
-- database, and expects one clear line on stderr, no traceback, and an
-- untouched database.
local helpers = require("support.helpers")

local run, q = helpers.run, helpers.shell_quote

local FIXTURES = "spec/fixtures/broken"

-- Fields: rev = a file of revisions/, graph = a directory of graphs/,
-- config = a file of configs/ (becomes luamig.lua), project = a directory
-- of projects/ (the whole project); args (default "upgrade head"); code
-- (default 1); make = a shell command run in versions/ (for files git
-- cannot hold); err = the expected stderr line after "luamig: " (a Lua
-- pattern, anchored at both ends). Every run is killed after 30 s, so a
-- case that would hang fails instead.
local V = "migrations/versions/"
local cases = {
  -- revision files that do not load
  { "a syntax error", rev = "syntax_error.lua",
    err = "revision file " .. V .. "syntax_error%.lua:6: '%)' expected %(to close '%(' at line 5%) near 'end'" },
  { "error() while the file loads", rev = "error_at_load.lua",
    err = "revision file " .. V .. "error_at_load%.lua:3: this revision refuses to load" },
  { "a file returning nil", rev = "returns_nil.lua",
    err = "revision file " .. V .. "returns_nil%.lua: must return a table, got nil" },
  { "a file returning a number", rev = "returns_number.lua",
    err = "revision file " .. V .. "returns_number%.lua: must return a table, got number" },
  { "a table whose metatable's __index raises", rev = "metatable_index_raises.lua",
    err = "revision file " .. V .. "metatable_index_raises%.lua:2: meta boom revision" },
  { "a file returning a string", rev = "returns_string.lua",
    err = "revision file " .. V .. "returns_string%.lua: must return a table, got string" },
  { "no upgrade function", rev = "missing_upgrade.lua",
    err = "revision file " .. V .. "missing_upgrade%.lua: 'upgrade' must be a function, got nil" },
  { "a downgrade that is not a function", rev = "downgrade_not_function.lua",
    err = "revision file " .. V .. "downgrade_not_function%.lua: 'downgrade' must be a function, got string" },
  { "a revision id that is a number", rev = "revision_id_number.lua",
    err = "revision file " .. V .. "revision_id_number%.lua: 'revision' must be a non%-empty string" },
  { "a revision id with quotes and spaces", rev = "revision_id_bad_chars.lua",
    err = "revision file " .. V .. "revision_id_bad_chars%.lua: Character%(s%) '%-' not allowed in revision identifier 'aaaa0001'; DROP TABLE x; %-%-'" },
  { "a revision id longer than the version table's column", rev = "revision_id_too_long.lua",
    err = "revision file " .. V .. "revision_id_too_long%.lua: revision identifier 'a+' is longer than 32 characters.*" },
  { "a down_revision naming a missing revision", rev = "down_revision_missing.lua",
    err = "Revision ffff99999999 referenced from aaaa00000001 %(" .. V .. "down_revision_missing%.lua%) is not present" },
  { "a down_revision that is a number", rev = "down_revision_number.lua",
    err = "revision file " .. V .. "down_revision_number%.lua: 'down_revision' must be nil, a string or a list of strings" },
  { "a branch label that is a number", rev = "branch_labels_number.lua",
    err = "revision file " .. V .. "branch_labels_number%.lua: 'branch_labels' must be nil, a string or a list of strings" },
  { "a branch label holding '@' (no target could name it)", rev = "branch_label_at.lua",
    err = "revision file " .. V .. "branch_label_at%.lua: Character '@' not allowed in branch label 'feature@v2'" },
  { "an empty branch label", rev = "branch_label_empty.lua",
    err = "revision file " .. V .. "branch_label_empty%.lua: 'branch_labels' must not name an empty string" },
  { "a message that is not a string", rev = "message_not_string.lua",
    err = "revision file " .. V .. "message_not_string%.lua: 'message' must be a string, got table" },
  { "transaction that is not a boolean", rev = "transaction_not_boolean.lua",
    err = "revision file " .. V .. "transaction_not_boolean%.lua: 'transaction' must be true or false" },

  -- revisions that load but fail while they run
  { "error() in upgrade", rev = "error_in_upgrade.lua",
    err = "aaaa00000001 %(" .. V .. "error_in_upgrade%.lua:6%): boom in upgrade" },
  { "error() with a table value in upgrade", rev = "error_with_table_value.lua",
    err = "aaaa00000001 %(" .. V .. "error_with_table_value%.lua:5%): error object is a table value" },
  { "a call through a nil global", rev = "global_nil_call.lua",
    err = "aaaa00000001 %(" .. V .. "global_nil_call%.lua:5%): attempt to index a nil value %(global 'helpers'%)" },
  { "an op that does not exist", rev = "op_unknown_function.lua",
    err = "aaaa00000001 %(" .. V .. "op_unknown_function%.lua:5%): attempt to call a nil value %(field 'create_sprocket'%)" },
  { "a table name that is a number", rev = "op_create_table_name_number.lua",
    err = "aaaa00000001 %(" .. V .. "op_create_table_name_number%.lua:4%): op%.create_table: table name must be a non%-empty string, got number" },
  { "columns given as a string", rev = "op_create_table_columns_string.lua",
    err = "aaaa00000001 %(" .. V .. "op_create_table_columns_string%.lua:4%): op%.create_table: columns must be a non%-empty list of column specs" },
  { "a column without a type", rev = "op_add_column_no_type.lua",
    err = "aaaa00000001 %(" .. V .. "op_add_column_no_type%.lua:5%): op%.add_column: column \"name\": nil is not a PostgreSQL type name" },
  { "index columns given as a number", rev = "op_create_index_columns_number.lua",
    err = "aaaa00000001 %(" .. V .. "op_create_index_columns_number%.lua:5%): op%.create_index: columns must be a non%-empty list" },
  { "drop_table given a table", rev = "op_drop_table_table_arg.lua",
    err = "aaaa00000001 %(" .. V .. "op_drop_table_table_arg%.lua:5%): op%.drop_table: table name must be a non%-empty string, got table" },
  { "execute given a number", rev = "op_execute_number.lua",
    err = "aaaa00000001 %(" .. V .. "op_execute_number%.lua:5%): op%.execute: sql must be a non%-empty string" },
  { "execute params given as a string", rev = "op_execute_params_string.lua",
    err = "aaaa00000001 %(" .. V .. "op_execute_params_string%.lua:5%): op%.execute: params must be a table, got string" },
  { "bulk_insert rows given as a string", rev = "op_bulk_insert_rows_string.lua",
    err = "aaaa00000001 %(" .. V .. "op_bulk_insert_rows_string%.lua:5%): op%.bulk_insert: rows must be a list of rows or an iterator function, got string" },
  { "bulk_insert rows keyed after positional ones", rev = "op_bulk_insert_mixed_shapes.lua",
    err = "aaaa00000001 %(" .. V .. "op_bulk_insert_mixed_shapes%.lua:5%): op%.bulk_insert: row 3 is keyed but the first row is positional" },
  { "a bulk_insert row with a misspelt column", rev = "op_bulk_insert_unknown_key.lua",
    err = "aaaa00000001 %(" .. V .. "op_bulk_insert_unknown_key%.lua:5%): op%.bulk_insert: row 2: unknown column \"emial\" %(not in opts%.columns%)" },
  { "an unknown op option", rev = "op_unknown_option.lua",
    err = "aaaa00000001 %(" .. V .. "op_unknown_option%.lua:4%): op%.create_table: unknown option \"temporary\"" },
  { "an op option of the wrong type", rev = "op_option_wrong_type.lua",
    err = "aaaa00000001 %(" .. V .. "op_option_wrong_type%.lua:5%): op%.create_index: option unique must be a boolean, got string" },
  { "a misspelt alter_column change", rev = "op_alter_column_unknown_change.lua",
    err = "aaaa00000001 %(" .. V .. "op_alter_column_unknown_change%.lua:5%): op%.alter_column: unknown option \"nulable\"" },
  { "a column default holding a second statement", rev = "op_default_statement_break.lua",
    err = "aaaa00000001 %(" .. V .. "op_default_statement_break%.lua:5%): op%.add_column: column \"n\": default \"1; DROP TABLE broken_partial\" may not contain ';' or comments" },
  { "a concurrent index inside a transaction", rev = "concurrently_in_transaction.lua",
    err = "aaaa00000001 %(" .. V .. "concurrently_in_transaction%.lua:5%): op%.create_index: concurrently = true cannot run inside a transaction: .*op%.autocommit.*" },
  { "an SQL error", rev = "sql_error.lua",
    err = "aaaa00000001 %(" .. V .. "sql_error%.lua:5%): ERROR 42601: syntax error at or near \"SELEC\"; statement: SELEC 1" },

  -- files that are fine alone and broken together
  { "one revision id in two files", graph = "duplicate_ids",
    err = "duplicate revision id aaaa00000001 in " .. V .. "aaaa00000001_first%.lua and " .. V .. "aaaa00000001_second%.lua" },
  { "a cycle of down_revisions", graph = "cycle",
    err = "Cycle is detected in revisions %(aaaa00000001, bbbb00000002%)" },
  { "one branch label on two revisions", graph = "duplicate_branch_label",
    err = "Branch name 'feature' in revision bbbb00000002 already used by revision aaaa00000001" },
  { "depends_on naming a missing revision", graph = "depends_on_missing",
    err = "revision aaaa00000001 %(" .. V .. "aaaa00000001_a%.lua%): depends_on names 'ffff99999999', which is not a revision or branch label" },

  -- targets and ranges
  { "a target matching nothing", graph = "two_similar_ids", args = "upgrade zzzz",
    err = "Can't locate revision identified by 'zzzz'" },
  { "an ambiguous prefix", graph = "two_similar_ids", args = "upgrade abcd",
    err = "Can't locate revision identified by 'abcd'; multiple revisions start with 'abcd': 'abcd00000001', 'abcd00000002'" },
  { "a branch label that does not exist", graph = "two_similar_ids", args = "upgrade feature@head",
    err = "Can't locate revision identified by 'feature'" },
  { "a downgrade target above the current revision", graph = "two_similar_ids", args = "downgrade abcd00000002",
    err = "Destination abcd00000002 is not a valid downgrade target from current head%(s%)" },
  { "a history range without a colon", graph = "two_similar_ids", args = "history -r abcd",
    err = "History range requires %[start%]:%[end%], %[start%]:, or :%[end%]" },
  { "show of a missing revision", graph = "two_similar_ids", args = "show zzzz",
    err = "Can't locate revision identified by 'zzzz'" },
  { "a relative step too large for an integer", graph = "two_similar_ids", args = "upgrade +99999999999999999999",
    err = "Relative revision %+99999999999999999999 didn't produce 99999999999999999999 migrations" },
  { "a relative step of the smallest integer", graph = "two_similar_ids", args = "downgrade -9223372036854775808",
    err = "Relative revision %-9223372036854775808 didn't produce 9223372036854775808 migrations" },
  { "a '%' in a target that is no valid destination", graph = "two_similar_ids", args = "downgrade 'abcd00000002-1%'",
    err = "Destination abcd00000002%-1%% is not a valid downgrade target from current head%(s%)" },

  -- configuration files
  { "a config whose metatable's __pairs raises", config = "metatable_pairs_raises.lua",
    err = "config luamig%.lua:2: pairs boom" },
  { "a config returning a string", config = "returns_string.lua",
    err = "config luamig%.lua: must return a table, got string" },
  { "a config with a syntax error", config = "syntax_error.lua",
    err = "config luamig%.lua:3: '}' expected %(to close '{' at line 1%) near 'transaction_per_migration'" },
  { "a config raising an error", config = "error_at_load.lua",
    err = "config luamig%.lua:1: DATABASE_URL is not set" },
  { "a config without script_location", config = "missing_script_location.lua",
    err = "config luamig%.lua: script_location must be a string naming the migrations directory" },
  { "a config with a numeric script_location", config = "script_location_number.lua",
    err = "config luamig%.lua: script_location must be a string.*" },
  { "a lock_timeout the server does not understand", config = "lock_timeout_bad_value.lua",
    err = "ERROR 22023: invalid value for parameter \"lock_timeout\": \"soon\"; statement: SET \"lock_timeout\" = 'soon'" },
  { "a numeric version_table", config = "version_table_number.lua",
    err = "config luamig%.lua: version_table must be a string, got number" },
  { "a version_table too long for its primary key's name", config = "version_table_too_long.lua",
    err = "config luamig%.lua: version_table is 60 bytes long; at most 59 fit %(PostgreSQL names hold 63 bytes, and the primary key is named version_table%.%.\"_pkc\"%)" },
  { "a history_table longer than a PostgreSQL name", config = "history_table_too_long.lua",
    err = "config luamig%.lua: history_table is 64 bytes long; at most 63 fit %(PostgreSQL names hold 63 bytes%)" },
  { "an empty version_table", config = "version_table_empty.lua",
    err = "config luamig%.lua: version_table: identifier must be a non%-empty string, got an empty string" },
  { "a version_table_schema holding a NUL byte", config = "version_table_schema_nul.lua",
    err = "config luamig%.lua: version_table_schema: identifier contains a NUL byte" },
  { "an empty script_location (not the root directory)", config = "script_location_empty.lua",
    err = "config luamig%.lua: script_location must be a string naming the migrations directory" },
  { "a history_table that is the version_table", config = "history_table_is_version_table.lua",
    err = "config luamig%.lua: history_table and version_table must name two tables, both are \"luamig_version\"" },
  { "transaction_per_migration given as a string", config = "transaction_per_migration_string.lua",
    err = "config luamig%.lua: transaction_per_migration must be a boolean, got string" },
  { "version_locations given as a string", config = "version_locations_string.lua",
    err = "config luamig%.lua: version_locations must be a [%w ]+, got string" },
  { "an unknown config key (a warning only)", config = "unknown_key.lua", code = 0,
    err = "warning: config luamig%.lua: unknown key \"colour\" ignored" },
  { "on_connect failing in env.lua", project = "on_connect_error",
    err = "env%.lua %(migrations/env%.lua:4%): on_connect: ERROR 42P01: relation \"no_such_table\" does not exist; statement: SELECT %* FROM no_such_table" },
  { "on_connect raising an error in env.lua", project = "on_connect_raises",
    err = "env%.lua %(migrations/env%.lua:3%): on_connect: no tenant given" },
  { "a versions path that is a regular file", project = "versions_is_file",
    err = "cannot read versions directory migrations/versions: Not a directory" },
  { "a script_location that does not exist", project = "script_location_missing",
    err = "cannot read versions directory no_such_migrations/versions: No such file or directory" },

  -- files git cannot hold, made by a shell command in versions/
  { "a FIFO named x.lua in versions/ (never waited on)", make = "mkfifo x.lua",
    err = "revision file: cannot read " .. V .. "x%.lua: not a regular file" },
  { "a link named x.lua to a device in versions/", make = "ln -s /dev/zero x.lua",
    err = "revision file: cannot read " .. V .. "x%.lua: not a regular file" },
}

------------------------------------------------------------------ setup

local function copy(from, to)
  assert(os.execute(("cp -R %s %s"):format(from, q(to))), "cannot copy " .. from)
end

-- A project holding the case's files; the URL is given by --url.
local function project_for(case)
  if case.project then
    local dir = helpers.tmpdir()
    copy(q(FIXTURES .. "/projects/" .. case.project) .. "/.", dir)
    return dir
  end
  local dir = helpers.project {}
  local versions = dir .. "/migrations/versions/"
  if case.rev then copy(q(FIXTURES .. "/revisions/" .. case.rev), versions) end
  if case.graph then copy(q(FIXTURES .. "/graphs/" .. case.graph) .. "/*", versions) end
  if case.config then copy(q(FIXTURES .. "/configs/" .. case.config), dir .. "/luamig.lua") end
  if case.make then assert(os.execute(("cd %s && %s"):format(q(versions), case.make)), case.make) end
  return dir
end

-- The tables of the database besides the version table: none may remain.
local function user_tables(conn)
  local left = {}
  for _, t in ipairs(helpers.tables(conn)) do
    if t ~= "luamig_version" then left[#left + 1] = t end
  end
  return left
end

-- The version rows, or none when the version table was never created.
local function recorded_versions(conn)
  if conn:exec("SELECT to_regclass('luamig_version') IS NULL AS absent")[1].absent then return {} end
  return helpers.versions(conn)
end

------------------------------------------------------------------ cases

-- err without the Running and Done lines of the steps begun before it
local function after_step_lines(err)
  local rest, n = err, 1
  while n > 0 do
    rest, n = rest:gsub("^Running [^\n]*\n", "", 1)
    if n == 0 then rest, n = rest:gsub("^Done [^\n]*\n", "", 1) end
  end
  return rest
end

describe("luamig given broken input", function()
  local url, conn
  before_each(function() url, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  for _, case in ipairs(cases) do
    local title = ("%s: exits %d with one clear line and leaves the database untouched"):format(case[1], case.code or 1)
    it(title, function()
      local dir = project_for(case)
      local code, out, err = run(dir, "--url " .. q(url) .. " " .. (case.args or "upgrade head"), { timeout = 30 })
      assert.equal(case.code or 1, code, err)
      assert.matches("^luamig: " .. case.err .. "\n$", after_step_lines(err))
      assert.not_matches("stack traceback", err)
      assert.not_matches("internal error", err)
      if (case.code or 1) ~= 0 then assert.equal("", out) end
      assert.same({}, user_tables(conn))
      assert.same({}, recorded_versions(conn))
    end)
  end
end)

