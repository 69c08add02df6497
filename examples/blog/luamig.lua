return {
  script_location = "migrations",
  -- scripts/demo sets LUAMIG_URL, which takes precedence over this
  url = os.getenv("DATABASE_URL") or "postgresql://postgres@localhost:5432/blog",
}
