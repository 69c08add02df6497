return {
  script_location = "migrations",
  -- LUAMIG_URL (or --url) takes precedence over this
  url = os.getenv("DATABASE_URL") or "postgresql://postgres@localhost:5432/teams",
  -- fail fast instead of queueing behind a long transaction in production
  lock_timeout = "5s",
}
