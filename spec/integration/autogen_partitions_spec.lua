-- Integration specs of autogenerate's partitioned tables (issue 15 item
-- 9): a parent's PARTITION BY and its partitions are read back as the
-- model declares them (schema.table{ partition_by = ... } and
-- schema.partition), and partitions added or removed are detected once.
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")

local T, P, meta = schema.table, schema.partition, schema.metadata

local steps = require("support.autogen")
local describe_diffs, round_trip = steps.describe_diffs, steps.round_trip

local LIVE = [[CREATE TABLE customer (customer_id int PRIMARY KEY);
  CREATE TABLE payment (payment_id int NOT NULL, customer_id int NOT NULL, payment_date timestamptz NOT NULL,
                        PRIMARY KEY (payment_date, payment_id)) PARTITION BY RANGE (payment_date);
  CREATE INDEX ix_payment_customer ON payment (customer_id);
  CREATE TABLE payment_p2022_01 PARTITION OF payment
    FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00');
  CREATE INDEX ix_p2022_01_date ON payment_p2022_01 (payment_date DESC);
  ALTER TABLE payment_p2022_01 ADD CONSTRAINT fk_p2022_01_customer FOREIGN KEY (customer_id)
    REFERENCES customer (customer_id);
  CREATE TABLE payment_rest PARTITION OF payment DEFAULT]]

local JAN = "FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00')"

-- The live schema as a model; edit(payment) returns partitions to use instead of the live ones.
local function model(edit)
  local customer = T("customer", { { "customer_id", "integer", primary_key = true } })
  local payment = T("payment", {
    { "payment_id", "integer", nullable = false }, { "customer_id", "integer", nullable = false },
    { "payment_date", "timestamptz", nullable = false },
  }, { partition_by = "RANGE (payment_date)",
       constraints = { { type = "primary_key", columns = { "payment_date", "payment_id" } } },
       indexes = { { "ix_payment_customer", { "customer_id" } } } })
  local partitions = edit and edit(payment) or {
    P("payment_p2022_01", payment, JAN, {
      indexes = { { "ix_p2022_01_date", { { "payment_date", desc = true } } } },
      constraints = { { type = "foreign_key", name = "fk_p2022_01_customer", columns = { "customer_id" },
                        references = "customer.customer_id" } } }),
    P("payment_rest", payment, "DEFAULT"),
  }
  local tables = { customer, payment }
  table.move(partitions, 1, #partitions, 3, tables)
  return meta(tables)
end

describe("autogen partitioned tables", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("finds nothing when the model declares the parent, its partitions and their own indexes and keys", function()
    conn:exec(LIVE)
    assert.same({}, describe_diffs(conn, model()))
  end)

  it("sees a partition removed once, and its revision upgrades and downgrades", function()
    conn:exec(LIVE)
    local m = model(function(payment) return { P("payment_rest", payment, "DEFAULT") } end)
    assert.same({ "remove foreign key fk_p2022_01_customer on payment_p2022_01",
                  "remove index ix_p2022_01_date on payment_p2022_01",
                  "remove partition payment_p2022_01 of payment" }, describe_diffs(conn, m))
    round_trip(conn, m)
  end)

  it("sees a partition added once, with its own index and foreign key", function()
    conn:exec(LIVE)
    local m = model(function(payment)
      return {
        P("payment_p2022_01", payment, JAN, {
          indexes = { { "ix_p2022_01_date", { { "payment_date", desc = true } } } },
          constraints = { { type = "foreign_key", name = "fk_p2022_01_customer", columns = { "customer_id" },
                            references = "customer.customer_id" } } }),
        P("payment_p2022_02", payment, "FOR VALUES FROM ('2022-02-01 00:00:00+00') TO ('2022-03-01 00:00:00+00')", {
          indexes = { { "ix_p2022_02_customer", { "customer_id", "payment_id" } } },
          constraints = { { type = "unique", name = "uq_p2022_02_id", columns = { "payment_id", "payment_date" } } } }),
        P("payment_rest", payment, "DEFAULT"),
      }
    end)
    assert.same({ "add partition payment_p2022_02 of payment", "add unique constraint uq_p2022_02_id on payment_p2022_02",
                  "add index ix_p2022_02_customer on payment_p2022_02" }, describe_diffs(conn, m))
    local up = round_trip(conn, m)
    assert.matches('op.create_partition("payment_p2022_02", "payment", '
      .. '"FOR VALUES FROM (\'2022-02-01 00:00:00+00\') TO (\'2022-03-01 00:00:00+00\')")', up, 1, true)
  end)

  it("creates a partitioned table and its partitions from nothing, parent first", function()
    local up = round_trip(conn, model())
    assert.matches('partition_by = "RANGE (payment_date)"', up, 1, true)
    assert.is_true(up:find('op.create_table("payment"', 1, true) < up:find('op.create_partition("payment_rest"', 1, true))
  end)
end)
