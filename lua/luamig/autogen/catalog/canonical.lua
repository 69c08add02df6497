-- Reading back from the server its canonical form of the model's
-- defaults, checks and indexes (autogenerate's equality, issue 15 item 7).
local common = require("luamig.autogen.catalog.common")

local M = {}

local text_array = common.text_array

------------------------------------- the server's equality (#15 item 7)

-- The input of CANONICAL_SQL, one session setting: a text[][] of rows
-- { kind, scratch table, statement, object name, reflected default }.
local CANONICAL_INPUT_SQL = "SELECT set_config('luamig.canonical', $1, false) AS ok"

-- Runs the statements of each scratch table (its creation, then the
-- model's defaults, checks and indexes on it; a 'partkey' row creates one
-- partitioned by the model's PARTITION BY, a 'bound' row a partition with
-- the model's bound, a 'function' row a function with the model's
-- arguments, #15), all at once, or one by one
-- when one fails, leaving out what the server refuses; then reads back in
-- one query what the catalog holds, as catalog.inspect reads it. A
-- constant default that reads back otherwise than the live one is
-- compared by value in the column's type (by its text when the type has
-- no "="). Everything is undone by raising at the end of the
-- subtransaction: the results survive in a PL/pgSQL variable, then in a
-- transaction-local setting the SELECT reads. Nothing is left behind.
local CANONICAL_SQL = [==[
DO $luamig$
DECLARE
  rows_in text[] := current_setting('luamig.canonical')::text[];
  n int := coalesce(array_length(rows_in, 1), 0);
  const_re text := $re$^(\(?-?[0-9.e+]+\)?|'([^']|'')*'|true|false|NULL)(::[a-zA-Z0-9_ ."]+(\([0-9, ]+\))?(\[\])?)*$$re$;
  results jsonb[] := '{}';
  first int := 1; last int; r record; same boolean;
BEGIN
  BEGIN
    WHILE first <= n LOOP
      last := first;
      WHILE last < n AND rows_in[last + 1][1] NOT IN ('table', 'partkey') LOOP last := last + 1; END LOOP;
      BEGIN
        FOR i IN first .. last LOOP EXECUTE rows_in[i][3]; END LOOP;
      EXCEPTION WHEN OTHERS THEN
        FOR i IN first .. last LOOP
          BEGIN EXECUTE rows_in[i][3]; EXCEPTION WHEN OTHERS THEN NULL; END;  -- not judged: compared by text
        END LOOP;
      END;
      first := last + 1;
    END LOOP;
    FOR r IN
      WITH input AS (
        SELECT i, rows_in[i][1] AS kind, to_regclass('pg_temp.' || quote_ident(rows_in[i][2])) AS rel,
               rows_in[i][4] AS object, rows_in[i][5] AS reflected
        FROM generate_subscripts(rows_in, 1) AS i)
      SELECT i, 0 AS part, pg_get_expr(d.adbin, d.adrelid) AS canon, NULL::name AS column_name,
             format_type(a.atttypid, a.atttypmod) AS type, reflected
      FROM input JOIN pg_attribute a ON a.attrelid = rel AND a.attname = object
      JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE kind = 'default'
      UNION ALL
      SELECT i, 0, pg_get_constraintdef(c.oid, true), NULL, NULL, NULL
      FROM input JOIN pg_constraint c ON c.conrelid = rel AND c.conname = object
      WHERE kind = 'check'
      UNION ALL
      SELECT i, 0, pg_get_expr(x.indpred, x.indrelid, true), NULL, NULL, NULL
      FROM input JOIN pg_index x ON x.indrelid = rel
      JOIN pg_class ic ON ic.oid = x.indexrelid AND ic.relname = object
      WHERE kind = 'index'
      UNION ALL
      SELECT i, k.ord::int, pg_get_indexdef(x.indexrelid, k.ord::int, true), a.attname, NULL, NULL
      FROM input JOIN pg_index x ON x.indrelid = rel
      JOIN pg_class ic ON ic.oid = x.indexrelid AND ic.relname = object
      CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
      LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
      WHERE kind = 'index' AND k.ord <= x.indnkeyatts
      UNION ALL
      SELECT i, 0, pg_get_partkeydef(rel::oid), NULL, NULL, NULL
      FROM input WHERE kind = 'partkey' AND rel IS NOT NULL
      UNION ALL
      SELECT i, 0, pg_get_expr(c.relpartbound, c.oid), NULL, NULL, NULL
      FROM input JOIN pg_class c ON c.oid = to_regclass('pg_temp.' || quote_ident(object))
      WHERE kind = 'bound'
      UNION ALL
      SELECT i, 0, pg_get_function_identity_arguments(p.oid), NULL, NULL, NULL
      FROM input JOIN pg_proc p ON p.pronamespace = pg_my_temp_schema() AND p.proname = object
      WHERE kind = 'function'
      UNION ALL
      SELECT i, 1, pg_get_function_arguments(p.oid), NULL, NULL, NULL
      FROM input JOIN pg_proc p ON p.pronamespace = pg_my_temp_schema() AND p.proname = object
      WHERE kind = 'function'
    LOOP
      same := NULL;
      IF r.type IS NOT NULL THEN
        same := r.canon = r.reflected;
        IF NOT same AND r.canon ~ const_re AND r.reflected ~ const_re THEN
          BEGIN
            EXECUTE format('SELECT (%s)::%s IS NOT DISTINCT FROM (%s)::%s', r.canon, r.type, r.reflected, r.type) INTO same;
          EXCEPTION WHEN OTHERS THEN
            EXECUTE format('SELECT (%s)::%s::text = (%s)::%s::text', r.canon, r.type, r.reflected, r.type) INTO same;
          END;
        END IF;
      END IF;
      results := results || jsonb_build_object('item', r.i, 'part', r.part, 'canon', r.canon,
                                                'column', r.column_name, 'same', same);
    END LOOP;
    RAISE SQLSTATE 'LMCAN';
  EXCEPTION WHEN SQLSTATE 'LMCAN' THEN
    NULL;  -- every scratch object rolled back
  END;
  PERFORM set_config('luamig.canonical', '', false);
  PERFORM set_config('luamig.canonical', to_jsonb(results)::text, true);
END
$luamig$;
SELECT (e->>'item')::int AS item, (e->>'part')::int AS part, e->>'canon' AS canon,
       e->>'column' AS column_name, (e->>'same')::boolean AS same
FROM jsonb_array_elements(current_setting('luamig.canonical')::jsonb) AS e]==]

-- A text[][] literal of rows of equal length, every element quoted.
local function text_matrix(rows)
  local parts = {}
  for i, row in ipairs(rows) do parts[i] = text_array(row) end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- What the server makes of each row { kind, scratch, statement, object,
-- reflected }: { [row index] = { [part] = { canon, column_name, same } } }
-- (part 0: a default, a check's definition, an index's predicate, a
-- PARTITION BY, a bound, a function's identity arguments; 1..n: an
-- index's key columns, 1: a function's arguments). Two round trips, whatever the number of rows.
function M.canonical_forms(conn, rows)
  local out = {}
  if #rows == 0 then return out end
  conn:query(CANONICAL_INPUT_SQL, { text_matrix(rows) })
  for _, r in ipairs(conn:exec(CANONICAL_SQL)) do
    out[r.item] = out[r.item] or {}
    out[r.item][r.part] = { canon = r.canon, column_name = r.column_name, same = r.same }
  end
  return out
end

return M
