-- Work outside the revision's transaction: op.autocommit, CREATE/DROP INDEX
-- CONCURRENTLY, and revisions with transaction = false run by the binary.
local helpers = require("support.helpers")

describe("op outside a transaction", function()
  local url, conn
  before_each(function() url, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  local function apply(fn) helpers.apply(conn, fn) end

  local function table_exists(name)
    return conn:query("SELECT to_regclass($1) IS NOT NULL AS present", { name })[1].present
  end

  -- nil when the index does not exist, else whether it is valid
  local function index_valid(name)
    local row = conn:query([[SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = $1]], { name })[1]
    return row and row.valid
  end

  local function create_users(op)
    op.create_table("users", { { "id", "int" }, { "email", "text" } })
  end

  describe("create_index with concurrently", function()
    it("fails inside a transactional revision, pointing to transaction = false and op.autocommit", function()
      local ok, err = pcall(apply, function(op)
        create_users(op)
        op.create_index("ix_email", "users", { "email" }, { concurrently = true })
      end)
      assert.is_false(ok)
      assert.matches("op.create_index: concurrently = true cannot run inside a transaction: set transaction = false "
        .. "on the revision, or wrap the call in op.autocommit%(function%(%) ... end%)", tostring(err))
      assert.is_false(table_exists("users"))
    end)

    it("builds a valid index inside op.autocommit, and the revision carries on in a transaction", function()
      apply(function(op)
        create_users(op)
        op.autocommit(function()
          op.create_index("ix_email", "users", { { expr = "lower(email)" } }, { concurrently = true, unique = true })
        end)
        op.add_column("users", { "name", "text" })
      end)
      assert.is_true(index_valid("ix_email"))
      assert.truthy(helpers.columns(conn, "users").name)
    end)

    it("commits the work before the block, so a later failure leaves it in place", function()
      pcall(apply, function(op)
        create_users(op)
        op.autocommit(function() op.create_index("ix_email", "users", { "email" }, { concurrently = true }) end)
        op.create_table("after", { { "id", "int" } })
        op.execute("SELECT 1 / 0")
      end)
      assert.is_true(table_exists("users"))
      assert.is_true(index_valid("ix_email"))
      assert.is_false(table_exists("after"))
    end)
  end)

  describe("drop_index with concurrently", function()
    it("fails inside a transactional revision and works inside op.autocommit", function()
      apply(function(op)
        create_users(op)
        op.create_index("ix_email", "users", { "email" })
      end)
      local ok, err = pcall(apply, function(op) op.drop_index("ix_email", { concurrently = true }) end)
      assert.is_false(ok)
      assert.matches("op.drop_index: concurrently = true cannot run inside a transaction", tostring(err))
      apply(function(op)
        op.autocommit(function() op.drop_index("ix_email", { concurrently = true, if_exists = true }) end)
      end)
      assert.is_nil(index_valid("ix_email"))
    end)
  end)

  describe("a revision with transaction = false run by the binary", function()
    local function project(transaction)
      return helpers.project {
        url = url,
        revisions = { {
          id = "c1c000000001", transaction = transaction, message = "concurrent index",
          up = [[
    op.create_table("users", { { "id", "int" }, { "email", "text" } })
    op.create_index("ix_email", "users", { "email" }, { concurrently = true })]],
          down_body = [[op.drop_index("ix_email", { concurrently = true })]],
        } },
      }
    end

    it("builds the index concurrently and records the revision", function()
      local code, _, err = helpers.run(project(false), "upgrade head")
      assert.equal(0, code, err)
      assert.is_true(index_valid("ix_email"))
      assert.same({ "c1c000000001" }, helpers.versions(conn))
    end)

    it("drops the index concurrently on downgrade", function()
      local dir = project(false)
      helpers.run(dir, "upgrade head")
      local code, _, err = helpers.run(dir, "downgrade base")
      assert.equal(0, code, err)
      assert.is_nil(index_valid("ix_email"))
    end)

    it("fails as a transactional revision with the message on stderr", function()
      local code, _, err = helpers.run(project(true), "upgrade head")
      assert.equal(1, code)
      assert.matches("c1c000000001 .*op.create_index: concurrently = true cannot run inside a transaction", err)
      assert.is_false(table_exists("users"))
    end)
  end)
end)
