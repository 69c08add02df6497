/* The libpq binding: a connection object with queries, COPY and streaming.
 *
 * Misuse from Lua raises a plain error; a failure reported by the server
 * raises a structured error object (a table with sqlstate, message, detail,
 * hint, position and statement, metatable "luamig.pgerror") that the Lua
 * side turns into one clear line. */
#define _POSIX_C_SOURCE 200809L  /* clock_gettime */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lauxlib.h"
#include "core.h"
#include "libpq.h"  /* the PQxxx calls go through the table it loads */

#define CONN_MT "luamig.connection"
#define RESULT_MT "luamig.result"
#define ERROR_MT "luamig.pgerror"

typedef struct {
  PGconn *conn;
  PGcancel *cancel;
  int streaming;   /* a single-row-mode query is in progress */
  int copying;     /* a COPY FROM STDIN is waiting for its data or end */
  int notices;     /* forward server notices to stderr */
} Conn;

/* The connection a SIGINT/SIGTERM cancels: the one opened last. It is set
 * only after libpq is loaded, so the handler calls a pointer already in
 * the table and never loads anything. */
static PGcancel *volatile active_cancel = NULL;

void luamig_pg_cancel_active(void) {
  char errbuf[256];
  PGcancel *c = active_cancel;
  if (c != NULL) PQcancel(c, errbuf, sizeof errbuf);
}

/* ---------------------------------------------------------------- helpers */

static Conn *checkconn(lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  luaL_argcheck(L, c->conn != NULL, 1, "connection is closed");
  return c;
}

static void setfield_str(lua_State *L, const char *key, const char *value) {
  if (value == NULL || *value == '\0') return;
  lua_pushstring(L, value);
  lua_setfield(L, -2, key);
}

/* Pushes a copy of s without its trailing newlines. */
static void push_trimmed(lua_State *L, const char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ')) n--;
  lua_pushlstring(L, s, n);
}

/* A PGresult owned by a userdata on the stack, so that any Lua error
 * (even out of memory while building rows) still clears it. */
static PGresult **box_result(lua_State *L, PGresult *res) {
  PGresult **box = (PGresult **)lua_newuserdatauv(L, sizeof(PGresult *), 0);
  *box = res;
  luaL_setmetatable(L, RESULT_MT);
  return box;
}

static void clear_box(PGresult **box) {
  if (*box != NULL) {
    PQclear(*box);
    *box = NULL;
  }
}

static int result_gc(lua_State *L) {
  clear_box((PGresult **)luaL_checkudata(L, 1, RESULT_MT));
  return 0;
}

/* Pushes the error object for a failed result (res may be NULL: the
 * connection failed) and the statement that caused it. */
static void push_error(lua_State *L, PGconn *conn, const PGresult *res, const char *sql) {
  lua_createtable(L, 0, 8);
  if (res != NULL && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) != NULL) {
    setfield_str(L, "sqlstate", PQresultErrorField(res, PG_DIAG_SQLSTATE));
    setfield_str(L, "severity", PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED));
    setfield_str(L, "message", PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
    setfield_str(L, "detail", PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
    setfield_str(L, "hint", PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
    setfield_str(L, "context", PQresultErrorField(res, PG_DIAG_CONTEXT));
    const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
    if (pos != NULL) {
      lua_pushinteger(L, atoi(pos));
      lua_setfield(L, -2, "position");
    }
  } else {
    const char *msg = res != NULL ? PQresultErrorMessage(res) : "";
    push_trimmed(L, *msg ? msg : PQerrorMessage(conn));
    lua_setfield(L, -2, "message");
  }
  lua_pushboolean(L, PQstatus(conn) == CONNECTION_BAD);
  lua_setfield(L, -2, "connection_lost");
  setfield_str(L, "statement", sql);
  luaL_setmetatable(L, ERROR_MT);
}

static int error_tostring(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "sqlstate");
  lua_getfield(L, 1, "message");
  if (lua_isstring(L, -2))
    lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
  else
    lua_pushstring(L, luaL_optstring(L, -1, "database error"));
  return 1;
}

/* ------------------------------------------------------- values and rows */

/* Converts one field to a Lua value by the column's type OID. numeric stays
 * a string: a double would lose digits. */
static void push_value(lua_State *L, const PGresult *res, int row, int col) {
  const char *v = PQgetvalue(res, row, col);
  switch (PQftype(res, col)) {
    case 16:  /* bool */
      lua_pushboolean(L, v[0] == 't');
      break;
    case 20: case 21: case 23: case 26:  /* int8 int2 int4 oid */
      lua_pushinteger(L, (lua_Integer)strtoll(v, NULL, 10));
      break;
    case 700: case 701:  /* float4 float8 */
      lua_pushnumber(L, (lua_Number)strtod(v, NULL));
      break;
    default:
      lua_pushlstring(L, v, (size_t)PQgetlength(res, row, col));
  }
}

/* Pushes row `row` as a table keyed by column name; NULL fields are absent. */
static void push_row(lua_State *L, const PGresult *res, int row) {
  int ncols = PQnfields(res);
  lua_createtable(L, 0, ncols);
  for (int col = 0; col < ncols; col++) {
    if (PQgetisnull(res, row, col)) continue;
    push_value(L, res, row, col);
    lua_setfield(L, -2, PQfname(res, col));
  }
}

/* Pushes rows, info: rows an array of row tables; info = { columns = {...},
 * command = "INSERT 0 3", affected = 3 }. */
static int push_result(lua_State *L, const PGresult *res) {
  int nrows = PQntuples(res), ncols = PQnfields(res);
  lua_createtable(L, nrows, 0);
  for (int row = 0; row < nrows; row++) {
    push_row(L, res, row);
    lua_rawseti(L, -2, row + 1);
  }
  lua_createtable(L, 0, 3);
  lua_createtable(L, ncols, 0);
  for (int col = 0; col < ncols; col++) {
    lua_pushstring(L, PQfname(res, col));
    lua_rawseti(L, -2, col + 1);
  }
  lua_setfield(L, -2, "columns");
  setfield_str(L, "command", PQcmdStatus((PGresult *)res));
  const char *affected = PQcmdTuples((PGresult *)res);
  if (*affected) {
    lua_pushinteger(L, (lua_Integer)strtoll(affected, NULL, 10));
    lua_setfield(L, -2, "affected");
  }
  return 2;
}

/* The protocol counts parameters in 16 bits. */
#define MAX_PARAMS 65535

/* Fills values[] from the Lua array at index idx (n = params.n or #params);
 * nil is NULL, numbers in text that reads back exactly. The strings stay
 * on the stack (one slot each) until the query is sent. Returns the number
 * of parameters. */
static int collect_params(lua_State *L, int idx, const char ***values) {
  if (lua_isnoneornil(L, idx)) {
    *values = NULL;
    return 0;
  }
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_getfield(L, idx, "n");
  lua_Integer count = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : luaL_len(L, idx);
  lua_pop(L, 1);
  if (count < 0 || count > MAX_PARAMS)
    luamig_raise_plain(L, "%I parameters, more than the %d PostgreSQL allows", count, MAX_PARAMS);
  int n = (int)count;
  luaL_checkstack(L, n + 2, "too many parameters");  /* the array, the values, one number's text */
  const char **v = (const char **)lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 1), 0);
  for (int i = 1; i <= n; i++) {
    char text[LUAMIG_NUMBER_TEXT];
    switch (lua_geti(L, idx, i)) {
      case LUA_TNIL: v[i - 1] = NULL; lua_pop(L, 1); break;
      case LUA_TBOOLEAN:
        v[i - 1] = lua_toboolean(L, -1) ? "true" : "false";
        lua_pop(L, 1);
        break;
      case LUA_TNUMBER:
        if (lua_isinteger(L, -1))
          lua_pushlstring(L, text, luamig_integer_text(text, lua_tointeger(L, -1)));
        else
          lua_pushlstring(L, text, luamig_float_text(text, (double)lua_tonumber(L, -1)));
        lua_replace(L, -2);
        v[i - 1] = lua_tostring(L, -1);  /* kept on the stack */
        break;
      case LUA_TSTRING:
        v[i - 1] = lua_tostring(L, -1);  /* kept on the stack */
        break;
      default:
        return luamig_raise_plain(L, "parameter $%d: cannot bind a %s", i, luaL_typename(L, -1));
    }
  }
  *values = v;
  return n;
}

/* Whether res reports a failure (NULL: the connection failed). */
static int is_failure(const PGresult *res) {
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  return st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR;
}

/* Raises the error of a failed result, or returns it boxed on the stack. */
static PGresult **check_result(lua_State *L, Conn *c, PGresult *res, const char *sql) {
  PGresult **box = box_result(L, res);
  if (is_failure(res)) {
    push_error(L, c->conn, res, sql);
    clear_box(box);
    lua_error(L);
  }
  return box;
}

/* Returns a query's result to Lua: raises its error, or pushes its rows
 * and info (2 results) and clears it. */
static int return_result(lua_State *L, Conn *c, PGresult *res, const char *sql) {
  PGresult **box = check_result(L, c, res, sql);
  push_result(L, *box);
  clear_box(box);
  return 2;
}

/* ---------------------------------------------------------- connections */

static void notice_processor(void *arg, const char *message) {
  Conn *c = (Conn *)arg;
  if (!c->notices) return;
  luamig_end_open_line();
  fprintf(stderr, "luamig: %s", message);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libpq's own connect_timeout (seconds; 0 or less: none) as the
 * connection string or PGCONNECT_TIMEOUT gives it, else `fallback`. */
static double connect_timeout(const char *conninfo, double fallback) {
  char *parse_error = NULL;
  PQconninfoOption *options = PQconninfoParse(conninfo, &parse_error);
  const char *given = NULL;
  for (PQconninfoOption *o = options; o != NULL && o->keyword != NULL; o++)
    if (strcmp(o->keyword, "connect_timeout") == 0 && o->val != NULL && *o->val) given = o->val;
  const char *env = getenv("PGCONNECT_TIMEOUT");
  if (given == NULL && env != NULL && *env) given = env;
  double timeout = given != NULL ? atof(given) : fallback;
  if (options != NULL) PQconninfoFree(options);
  if (parse_error != NULL) PQfreemem(parse_error);  /* PQconnectStart reports it */
  return timeout;
}

typedef enum { CONNECT_FINISHED, CONNECT_TIMED_OUT, CONNECT_INTERRUPTED, CONNECT_POLL_FAILED } ConnectWait;

/* Drives PQconnectPoll until the connection is made or has failed,
 * waiting on the socket in short slices so that a signal or the deadline
 * ends the wait at once (PQconnectdb would wait for ever on a server that
 * accepts and never answers, and retries poll on EINTR). */
static ConnectWait wait_connected(PGconn *conn, double timeout) {
  double deadline = now() + timeout;
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st == PGRES_POLLING_READING || st == PGRES_POLLING_WRITING) {
    if (sys_interrupted_flag()) return CONNECT_INTERRUPTED;
    int wait_ms = 100;
    if (timeout > 0) {
      double left = deadline - now();
      if (left <= 0) return CONNECT_TIMED_OUT;
      if (left * 1000 < wait_ms) wait_ms = (int)(left * 1000) + 1;
    }
    struct pollfd p = {PQsocket(conn), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0};
    int ready = poll(&p, 1, wait_ms);
    if (ready < 0 && errno != EINTR) return CONNECT_POLL_FAILED;
    if (ready > 0) st = PQconnectPoll(conn);
  }
  return CONNECT_FINISHED;
}

/* Pushes why a connection could not be made. */
static void push_connect_failure(lua_State *L, PGconn *conn, ConnectWait outcome, double timeout) {
  char seconds[32];
  switch (outcome) {
    case CONNECT_TIMED_OUT:
      snprintf(seconds, sizeof seconds, "%g", timeout);
      lua_pushfstring(L, "no answer from the server within %s s (connect_timeout)", seconds);
      break;
    case CONNECT_INTERRUPTED:
      sys_interruption_reported();
      lua_pushfstring(L, "interrupted by %s", sys_signal_name());
      break;
    case CONNECT_POLL_FAILED:
      lua_pushfstring(L, "waiting for the server: %s", strerror(errno));
      break;
    default:
      push_trimmed(L, PQerrorMessage(conn));
  }
}

/* connect(conninfo [, timeout]) -> connection | nil, message
 * timeout: seconds to wait for the server when the connection string sets
 * no connect_timeout of its own (none when absent). The first call loads
 * libpq, and a libpq that cannot be loaded is reported like a refused
 * connection. */
int pg_connect(lua_State *L) {
  const char *conninfo = luaL_checkstring(L, 1);
  lua_Number fallback = luaL_optnumber(L, 2, 0);
  const char *load_error = luamig_libpq_load();
  if (load_error != NULL) {
    lua_pushnil(L);
    lua_pushstring(L, load_error);
    return 2;
  }
  Conn *c = (Conn *)lua_newuserdatauv(L, sizeof(Conn), 0);
  memset(c, 0, sizeof *c);
  luaL_setmetatable(L, CONN_MT);
  c->conn = PQconnectStart(conninfo);
  if (c->conn == NULL) return luaL_error(L, "out of memory");
  double timeout = connect_timeout(conninfo, (double)fallback);
  ConnectWait outcome = PQstatus(c->conn) == CONNECTION_BAD ? CONNECT_FINISHED : wait_connected(c->conn, timeout);
  if (outcome != CONNECT_FINISHED || PQstatus(c->conn) != CONNECTION_OK) {
    lua_pushnil(L);
    push_connect_failure(L, c->conn, outcome, timeout);
    PQfinish(c->conn);
    c->conn = NULL;
    return 2;
  }
  c->notices = 1;
  PQsetNoticeProcessor(c->conn, notice_processor, c);
  c->cancel = PQgetCancel(c->conn);
  active_cancel = c->cancel;
  return 1;
}

static void conn_finish(Conn *c) {
  if (c->cancel != NULL) {
    if (active_cancel == c->cancel) active_cancel = NULL;
    PQfreeCancel(c->cancel);
    c->cancel = NULL;
  }
  if (c->conn != NULL) {
    PQfinish(c->conn);
    c->conn = NULL;
  }
}

static int conn_close(lua_State *L) {
  conn_finish((Conn *)luaL_checkudata(L, 1, CONN_MT));
  return 0;
}

static void check_idle(lua_State *L, Conn *c) {
  if (c->streaming) luaL_error(L, "a streamed query is still being read on this connection");
  if (c->copying) luamig_raise_plain(L, "a COPY (op.bulk_insert) is still being sent on this connection");
}

/* conn:exec(sql) -> rows, info. Simple protocol: several statements allowed,
 * the result is the last one's. */
static int conn_exec(lua_State *L) {
  Conn *c = checkconn(L);
  const char *sql = luaL_checkstring(L, 2);
  check_idle(L, c);
  return return_result(L, c, PQexec(c->conn, sql), sql);
}

/* conn:query(sql [, params]) -> rows, info. Extended protocol, $n bound. */
static int conn_query(lua_State *L) {
  Conn *c = checkconn(L);
  const char *sql = luaL_checkstring(L, 2);
  const char **values;
  int n = collect_params(L, 3, &values);
  check_idle(L, c);
  return return_result(L, c, PQexecParams(c->conn, sql, n, NULL, values, NULL, NULL, 0), sql);
}

/* conn:stream(sql [, params]): starts a query whose rows are read one at a
 * time with conn:fetch(), so a large result is never held whole. */
static int conn_stream(lua_State *L) {
  Conn *c = checkconn(L);
  const char *sql = luaL_checkstring(L, 2);
  const char **values;
  int n = collect_params(L, 3, &values);
  check_idle(L, c);
  if (!PQsendQueryParams(c->conn, sql, n, NULL, values, NULL, NULL, 0)) {
    push_error(L, c->conn, NULL, sql);
    return lua_error(L);
  }
  PQsetSingleRowMode(c->conn);
  c->streaming = 1;
  return 0;
}

/* Reads and discards what is left of a streamed query. */
static void drain(Conn *c) {
  PGresult *res;
  while ((res = PQgetResult(c->conn)) != NULL) PQclear(res);
  c->streaming = 0;
}

/* conn:fetch() -> row | nil when the streamed query is done. */
static int conn_fetch(lua_State *L) {
  Conn *c = checkconn(L);
  luaL_argcheck(L, c->streaming, 1, "no streamed query in progress");
  PGresult *res = PQgetResult(c->conn);
  if (res != NULL && PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
    PGresult **box = box_result(L, res);
    push_row(L, *box, 0);
    clear_box(box);
    return 1;
  }
  PGresult **box = box_result(L, res);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_TUPLES_OK;
  if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) {
    push_error(L, c->conn, res, NULL);
    clear_box(box);
    drain(c);
    return lua_error(L);
  }
  clear_box(box);
  drain(c);
  lua_pushnil(L);
  return 1;
}


/* conn:copy_in(sql): sends COPY ... FROM STDIN and enters copy mode. */
static int conn_copy_in(lua_State *L) {
  Conn *c = checkconn(L);
  const char *sql = luaL_checkstring(L, 2);
  check_idle(L, c);
  PGresult **box = check_result(L, c, PQexec(c->conn, sql), sql);
  int ok = PQresultStatus(*box) == PGRES_COPY_IN;
  clear_box(box);
  if (!ok) return luaL_error(L, "statement did not start COPY FROM STDIN: %s", sql);
  c->copying = 1;
  return 0;
}

/* The most bytes handed to PQputCopyData at once: its length is an int,
 * and libpq copies each message whole into its output buffer. COPY data
 * need not break at rows, so a larger chunk goes as several messages. */
#define COPY_MESSAGE_MAX (1 << 20)

/* conn:put_copy_data(bytes [, message_max]) -> the number of CopyData
 * messages sent. message_max (default 1 MiB) lets the specs see the split. */
static int conn_put_copy_data(lua_State *L) {
  Conn *c = checkconn(L);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  lua_Integer message_max = luaL_optinteger(L, 3, COPY_MESSAGE_MAX);
  luaL_argcheck(L, message_max >= 1 && message_max <= INT_MAX, 3, "chunk size must be 1 to 2147483647 bytes");
  lua_Integer messages = 0;
  for (size_t sent = 0; sent < len; messages++) {
    size_t n = len - sent < (size_t)message_max ? len - sent : (size_t)message_max;
    /* blocking mode: 1 sent (or queued), -1 failed; never 0 */
    if (PQputCopyData(c->conn, data + sent, (int)n) != 1) {
      push_error(L, c->conn, NULL, NULL);
      return lua_error(L);
    }
    sent += n;
  }
  lua_pushinteger(L, messages);
  return 1;
}

/* conn:put_copy_end([errormsg]) -> rows, info of the COPY; with errormsg
 * the COPY is aborted and fails with that message. Every result is read;
 * a failure among them is the outcome. */
static int conn_put_copy_end(lua_State *L) {
  Conn *c = checkconn(L);
  const char *abort_msg = luaL_optstring(L, 2, NULL);
  c->copying = 0;
  if (PQputCopyEnd(c->conn, abort_msg) != 1) {
    push_error(L, c->conn, NULL, NULL);
    return lua_error(L);
  }
  PGresult *res = PQgetResult(c->conn), *extra;
  while ((extra = PQgetResult(c->conn)) != NULL) {
    if (!is_failure(res) && is_failure(extra)) {
      PQclear(res);
      res = extra;
    } else {
      PQclear(extra);
    }
  }
  return return_result(L, c, res, NULL);
}

static int conn_transaction_status(lua_State *L) {
  static const char *const names[] = {"idle", "active", "intrans", "inerror", "unknown"};
  PGTransactionStatusType st = PQtransactionStatus(checkconn(L)->conn);
  lua_pushstring(L, names[st <= PQTRANS_UNKNOWN ? st : PQTRANS_UNKNOWN]);
  return 1;
}

static int conn_is_ok(lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  lua_pushboolean(L, c->conn != NULL && PQstatus(c->conn) == CONNECTION_OK);
  return 1;
}



static int conn_backend_pid(lua_State *L) {
  lua_pushinteger(L, PQbackendPID(checkconn(L)->conn));
  return 1;
}

/* conn:server_version() -> e.g. 150004 */
static int conn_server_version(lua_State *L) {
  lua_pushinteger(L, PQserverVersion(checkconn(L)->conn));
  return 1;
}


/* conn:set_notices(bool): whether server notices are printed to stderr. */
static int conn_set_notices(lua_State *L) {
  Conn *c = checkconn(L);
  c->notices = lua_toboolean(L, 2);
  return 0;
}

/* conn:discard_pending([cancel]) -> whether a streamed query or a COPY was
 * open: reads and drops the rest of a streamed result, aborts a COPY FROM
 * STDIN left unended (a revision stopped by a signal while sending rows),
 * so the connection carries the next statement. With cancel the server is
 * asked to stop a stream first (which aborts the transaction it runs in):
 * a failed revision is rolled back anyway, and need not wait for a huge
 * result to arrive. */
static int conn_discard_pending(lua_State *L) {
  Conn *c = checkconn(L);
  int open = c->streaming || c->copying;
  if (c->streaming) {
    char errbuf[256];
    /* a cancel that cannot be sent only makes the drain read everything */
    if (lua_toboolean(L, 2) && c->cancel != NULL) (void)PQcancel(c->cancel, errbuf, sizeof errbuf);
  }
  if (c->copying) {
    c->copying = 0;
    /* an end that cannot be sent means a broken connection: drain ends at once */
    (void)PQputCopyEnd(c->conn, "aborted by luamig");
  }
  if (open) drain(c);
  lua_pushboolean(L, open);
  return 1;
}

static const luaL_Reg conn_methods[] = {
  {"exec", conn_exec},
  {"query", conn_query},
  {"stream", conn_stream},
  {"fetch", conn_fetch},
  {"copy_in", conn_copy_in},
  {"put_copy_data", conn_put_copy_data},
  {"put_copy_end", conn_put_copy_end},
  {"transaction_status", conn_transaction_status},
  {"is_ok", conn_is_ok},
  {"backend_pid", conn_backend_pid},
  {"server_version", conn_server_version},
  {"set_notices", conn_set_notices},
  {"close", conn_close},
  {"discard_pending", conn_discard_pending},
  {NULL, NULL}
};

static const luaL_Reg conn_meta[] = {
  {"__gc", conn_close},
  {"__close", conn_close},
  {NULL, NULL}
};

/* Creates the metatables; leaves the module table (at the top) with
 * core.pgerror, the metatable of error objects. */
void luamig_open_pg(lua_State *L) {
  luaL_newmetatable(L, CONN_MT);
  luaL_setfuncs(L, conn_meta, 0);
  luaL_newlib(L, conn_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);

  luaL_newmetatable(L, RESULT_MT);
  lua_pushcfunction(L, result_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);

  luaL_newmetatable(L, ERROR_MT);
  lua_pushcfunction(L, error_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_setfield(L, -2, "pgerror");
}
