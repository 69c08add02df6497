-- Integration specs of autogenerate's functions, triggers and views (issue
-- 15) against a real server, on cut-down pieces of pagila and graphile.
local helpers = require("support.helpers")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")
local lists = require("luamig.lists")

local T, meta = schema.table, schema.metadata

local steps = require("support.autogen")
local run_body, describe_diffs = steps.run_body, steps.describe_diffs

-- The server's own text of every function, trigger and view, by name.
local function definitions(conn)
  local out = {}
  for _, r in ipairs(conn:query([[
    SELECT p.oid::regprocedure::text AS name, pg_get_functiondef(p.oid) AS def FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('public', 'app_private', 'app_public')
    UNION ALL SELECT 'comment ' || p.oid::regprocedure::text, obj_description(p.oid, 'pg_proc') FROM pg_proc p
      WHERE obj_description(p.oid, 'pg_proc') IS NOT NULL
        AND p.pronamespace::regnamespace::text IN ('public', 'app_private', 'app_public')
    UNION ALL SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT c.oid::regclass::text, pg_get_viewdef(c.oid) FROM pg_class c WHERE c.relkind IN ('v', 'm')
      AND c.relnamespace = 'public'::regnamespace
    UNION ALL SELECT 'policy ' || polname, concat_ws(' ', polcmd, polpermissive, polroles::regrole[]::text,
      pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid)) FROM pg_policy
    UNION ALL SELECT 'row security ' || oid::regclass::text, concat(relrowsecurity, ' ', relforcerowsecurity)
      FROM pg_class WHERE relrowsecurity OR relforcerowsecurity
    UNION ALL SELECT 'comment ' || tgname, obj_description(oid, 'pg_trigger') FROM pg_trigger
      WHERE obj_description(oid, 'pg_trigger') IS NOT NULL
    UNION ALL SELECT 'comment policy ' || polname, obj_description(oid, 'pg_policy') FROM pg_policy
      WHERE obj_description(oid, 'pg_policy') IS NOT NULL
    UNION ALL SELECT 'comment ' || c.oid::regclass::text, obj_description(c.oid, 'pg_class') FROM pg_class c
      WHERE c.relkind IN ('v', 'm') AND obj_description(c.oid, 'pg_class') IS NOT NULL]])) do
    out[r.name] = r.def
  end
  return out
end

-- pagila's shapes: plpgsql and sql functions (one calling the other), a
-- trigger function, a trigger with arguments, views (one on another) and a
-- materialized view.
local PAGILA = [[
SET check_function_bodies = off;
CREATE TABLE actor (actor_id integer PRIMARY KEY, first_name text NOT NULL, last_update timestamptz DEFAULT now() NOT NULL);
CREATE TABLE film (film_id integer PRIMARY KEY, title text NOT NULL, description text, fulltext tsvector,
                   last_update timestamptz DEFAULT now() NOT NULL);
CREATE TABLE film_actor (actor_id integer NOT NULL, film_id integer NOT NULL);
CREATE TABLE inventory (inventory_id integer PRIMARY KEY, film_id integer NOT NULL, store_id integer NOT NULL);
CREATE TABLE rental (rental_id integer PRIMARY KEY, inventory_id integer NOT NULL, return_date timestamptz);
CREATE FUNCTION film_in_stock(p_film_id integer, p_store_id integer, OUT p_film_count integer) RETURNS SETOF integer
    LANGUAGE sql
    AS $_$
     SELECT inventory_id
     FROM inventory
     WHERE film_id = $1
     AND store_id = $2
     AND inventory_in_stock(inventory_id);
$_$;
CREATE FUNCTION inventory_in_stock(p_inventory_id integer) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_rentals INTEGER;
BEGIN
    -- AN ITEM IS IN-STOCK IF THERE ARE NO ROWS IN THE rental TABLE; "quoted" $x$
    SELECT count(*) INTO v_rentals FROM rental WHERE inventory_id = p_inventory_id;
    RETURN v_rentals = 0;
END $$;
CREATE FUNCTION last_updated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.last_update = CURRENT_TIMESTAMP;
    RETURN NEW;
END $$;
CREATE FUNCTION last_day(timestamp with time zone) RETURNS date
    LANGUAGE sql IMMUTABLE STRICT
    AS $_$ SELECT (date_trunc('month', $1) + interval '1 month' - interval '1 day')::date $_$;
CREATE TRIGGER last_updated BEFORE UPDATE ON actor FOR EACH ROW EXECUTE FUNCTION last_updated();
CREATE TRIGGER film_fulltext_trigger BEFORE INSERT OR UPDATE ON film FOR EACH ROW
  EXECUTE FUNCTION tsvector_update_trigger('fulltext', 'pg_catalog.english', 'title', 'description');
CREATE TRIGGER title_changed AFTER UPDATE OF title ON film FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
  EXECUTE FUNCTION last_updated();
CREATE VIEW actor_films AS SELECT a.actor_id, a.first_name, f.title
  FROM actor a JOIN film_actor fa ON a.actor_id = fa.actor_id JOIN film f ON f.film_id = fa.film_id;
CREATE VIEW busy_actors AS SELECT actor_id, count(*) AS films FROM actor_films GROUP BY actor_id;
CREATE MATERIALIZED VIEW titles AS SELECT upper(title) AS title FROM film ORDER BY 1 WITH NO DATA;
COMMENT ON VIEW busy_actors IS 'Actors and their films.';
COMMENT ON MATERIALIZED VIEW titles IS 'Titles, loud.';
]]

-- graphile-starter's shapes: a schema-qualified SECURITY DEFINER function
-- with a search_path that a column default calls, a trigger calling
-- across schemas, row security and policies.
local GRAPHILE = [[
CREATE SCHEMA app_private;
CREATE SCHEMA app_public;
CREATE TABLE app_public.users (id integer PRIMARY KEY, username text, created_at timestamptz, updated_at timestamptz);
CREATE FUNCTION app_private.tg__timestamps() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  NEW.created_at = (case when TG_OP = 'INSERT' then NOW() else OLD.created_at end);
  NEW.updated_at = (case when TG_OP = 'UPDATE' and OLD.updated_at >= NOW() then OLD.updated_at + interval '1 millisecond' else NOW() end);
  return NEW;
end;
$$;
CREATE FUNCTION app_public.current_user_id() RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select nullif(pg_catalog.current_setting('jwt.claims.user_id', true), '')::integer;
$$;
COMMENT ON FUNCTION app_public.current_user_id() IS 'Handy method to get the current user ID; it''s the user''s id.';
CREATE FUNCTION app_private.login(username text, password text DEFAULT 'x') RETURNS integer LANGUAGE sql
  AS $$ select 1 $$;
COMMENT ON FUNCTION app_private.login(username text, password text) IS 'Returns a user, or null on failure.';
CREATE TABLE app_public.user_emails (id integer PRIMARY KEY,
  user_id integer DEFAULT app_public.current_user_id() NOT NULL CHECK (user_id = app_public.current_user_id()));
CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.users FOR EACH ROW
  EXECUTE FUNCTION app_private.tg__timestamps();
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'graphile_starter_visitor') THEN
    CREATE ROLE graphile_starter_visitor;
  END IF;
END $$;
CREATE TABLE app_private.user_secrets (user_id integer PRIMARY KEY);
ALTER TABLE app_private.user_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_public.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_public.users FORCE ROW LEVEL SECURITY;
CREATE POLICY select_all ON app_public.users FOR SELECT USING (true);
CREATE POLICY update_self ON app_public.users FOR UPDATE USING ((id = app_public.current_user_id()));
CREATE POLICY insert_own ON app_public.users AS RESTRICTIVE FOR INSERT TO graphile_starter_visitor, PUBLIC
  WITH CHECK ((id = app_public.current_user_id()));
COMMENT ON POLICY select_all ON app_public.users IS 'Anyone may see users.';
CREATE FUNCTION app_public.tg_users__audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER _500_audit AFTER DELETE ON app_public.users REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION app_public.tg_users__audit();
COMMENT ON TRIGGER _500_audit ON app_public.users IS 'Audits deletions.';
CREATE CONSTRAINT TRIGGER _900_check AFTER INSERT ON app_public.users DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION app_public.tg_users__audit();
]]

local GRAPHILE_SCHEMAS = { "public", "app_private", "app_public" }

describe("autogen of functions, triggers and views", function()
  local conn
  before_each(function() local _; _, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  describe("an empty model's round trip", function()
    local function round_trip_of(sql, opts)
      conn:exec(sql)
      local before = definitions(conn)
      local up, down = autogen.render(autogen.compare(conn, meta {}, opts))
      run_body(conn, up)
      assert.same({}, definitions(conn))
      run_body(conn, down)
      assert.same(before, definitions(conn))
      return up, down
    end

    it("re-creates pagila's functions, triggers, views and materialized view (with their comments) as the server had them", function()
      local up = round_trip_of(PAGILA)
      -- a view goes before the view it reads, triggers before their function
      assert.is_true(up:find('op.drop_view("busy_actors")', 1, true) < up:find('op.drop_view("actor_films")', 1, true))
      assert.is_true(up:find('op.drop_trigger("last_updated"', 1, true)
        < up:find('op.drop_function("last_updated"', 1, true))
      assert.is_true(up:find('op.drop_function', 1, true) < up:find('op.drop_table', 1, true))
    end)

    it("re-creates graphile's schema-qualified functions, their settings, row security, policies, "
      .. "transition-table and constraint triggers, comments", function()
      round_trip_of(GRAPHILE, { schemas = GRAPHILE_SCHEMAS })
    end)
  end)

  describe("a model edit", function()
    local function users()
      return T("users", { { "id", "integer", primary_key = true }, { "name", "text" },
                          { "updated_at", "timestamptz" } })
    end
    local touch_body = "\nBEGIN\n  NEW.updated_at = now();\n  RETURN NEW;\nEND\n"
    local function touch(body)
      return schema.func("touch", { returns = "trigger", language = "plpgsql", body = body })
    end
    local function trigger(events)
      return schema.trigger("users_touch", "users", { timing = "BEFORE", events = events, each = "ROW",
                                                      execute = "touch()" })
    end
    local view_sql = " SELECT users.id,\n    users.name\n   FROM users;"

    -- The model applied, then edited: the edit is seen exactly once, its
    -- revision upgrades and leaves nothing, and its downgrade comes back.
    local function edit(from, to, expected)
      run_body(conn, (autogen.render(autogen.compare(conn, from))))
      assert.same({}, describe_diffs(conn, from))
      local before = definitions(conn)
      local diffs = autogen.compare(conn, to)
      assert.same(expected, autogen.describe(diffs))
      local up, down = autogen.render(diffs)
      run_body(conn, up)
      assert.same({}, describe_diffs(conn, to))
      run_body(conn, down)
      assert.same({}, describe_diffs(conn, from))
      assert.same(before, definitions(conn))
      return up
    end

    it("sees a function's body change and replaces it", function()
      local up = edit(meta { users(), touch(touch_body), trigger { "UPDATE" } },
                      meta { users(), touch(touch_body:gsub("now%(%)", "clock_timestamp()")), trigger { "UPDATE" } },
                      { "change function touch()" })
      assert.matches("replace = true", up, 1, true)
    end)

    it("sees a trigger's events change", function()
      edit(meta { users(), touch(touch_body), trigger { "UPDATE" } },
           meta { users(), touch(touch_body), trigger { "INSERT", "UPDATE" } },
           { "remove trigger users_touch on users", "add trigger users_touch on users" })
    end)

    it("sees a view's query change", function()
      edit(meta { users(), schema.view("names", view_sql) },
           meta { users(), schema.view("names", " SELECT users.name\n   FROM users;") },
           { "remove view names", "add view names" })
    end)

    it("sees a function's comment added and removed", function()
      local function f(comment)
        return schema.func("touch", { returns = "trigger", language = "plpgsql", body = touch_body, comment = comment })
      end
      edit(meta { users(), f() }, meta { users(), f("stamps updated_at") }, { "change function touch()" })
    end)

    it("sees a policy's expression change", function()
      local function policy(using) return schema.policy("own", "users", { command = "UPDATE", using = using }) end
      edit(meta { users(), schema.row_security("users"), policy("id = 1") },
           meta { users(), schema.row_security("users"), policy("id = 2") },
           { "remove policy own on users", "add policy own on users" })
    end)

    it("sees row security turned on, forced and off", function()
      edit(meta { users() }, meta { users(), schema.row_security("users") }, { "enable row security on users" })
      edit(meta { users(), schema.row_security("users") }, meta { users(), schema.row_security("users", { force = true }) },
           { "change row security of users: force" })
      edit(meta { users(), schema.row_security("users") }, meta { users() }, { "disable row security on users" })
    end)

    -- issue 15: transition tables, constraint triggers
    local AUDIT = schema.func("audit", { returns = "trigger", language = "plpgsql", body = "\nBEGIN\n  RETURN NULL;\nEND\n" })
    local function audit(spec)
      return schema.trigger("users_audit", "users", lists.merge({ timing = "AFTER", execute = "audit()" }, spec))
    end

    it("sees a trigger with a transition table added", function()
      local up = edit(meta { users(), AUDIT },
        meta { users(), AUDIT, audit { events = { "UPDATE" }, old_table = "gone", new_table = "came" } },
        { "add trigger users_audit on users" })
      assert.matches('old_table = "gone", new_table = "came"', up, 1, true)
    end)

    it("sees a constraint trigger's deferral change", function()
      local function check(initially)
        return audit { events = { "INSERT" }, each = "ROW", constraint = true, deferrable = true, initially = initially }
      end
      edit(meta { users(), AUDIT, check("DEFERRED") }, meta { users(), AUDIT, check("IMMEDIATE") },
           { "remove trigger users_audit on users", "add trigger users_audit on users" })
      edit(meta { users(), AUDIT, check("DEFERRED") }, meta { users(), AUDIT, audit { events = { "INSERT" }, each = "ROW" } },
           { "remove trigger users_audit on users", "add trigger users_audit on users" })
    end)

    -- issue 15: comments on views, materialized views, triggers and policies
    local function commented(comment)
      return { users(), touch(touch_body),
        schema.trigger("users_touch", "users", { timing = "BEFORE", events = { "UPDATE" }, each = "ROW",
                                                 execute = "touch()", comment = comment }),
        schema.view("names", view_sql, { comment = comment }),
        schema.view("frozen", view_sql, { materialized = true, comment = comment }),
        schema.policy("own", "users", { using = "id = 1", comment = comment }) }
    end
    local COMMENT_CHANGES = { "change comment of trigger users_touch on users", "change comment of view names",
      "change comment of materialized view frozen", "change comment of policy own on users" }

    it("sees a comment on a view, a materialized view, a trigger and a policy added", function()
      edit(meta(commented(nil)), meta(commented("made by hand")), COMMENT_CHANGES)
    end)

    it("sees a comment on a view, a materialized view, a trigger and a policy changed", function()
      edit(meta(commented("made by hand")), meta(commented("it's made by luamig")), COMMENT_CHANGES)
    end)

    it("sees a comment on a view, a materialized view, a trigger and a policy removed", function()
      edit(meta(commented("made by hand")), meta(commented(nil)), COMMENT_CHANGES)
    end)

    it("drops and re-creates a view around a type change of a column it reads", function()
      local up = edit(meta { users(), schema.view("names", view_sql) },
        meta { T("users", { { "id", "integer", primary_key = true }, { "name", "varchar(100)" },
                            { "updated_at", "timestamptz" } }), schema.view("names", view_sql) },
        { "remove view names", "change type of users.name: text -> varchar(100)", "add view names" })
      assert.is_true(up:find("op.drop_view", 1, true) < up:find("op.alter_column", 1, true))
    end)
  end)
end)
