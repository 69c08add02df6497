return {
  script_location = "migrations",
  url = os.getenv("DATABASE_URL") or "postgresql://postgres@localhost:5432/autogen",
}
