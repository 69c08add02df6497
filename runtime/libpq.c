/* libpq.so.5 loaded on first use: see libpq.h. */
#define _POSIX_C_SOURCE 200809L  /* dlopen */
#include <dlfcn.h>
#include <stdio.h>

#define LUAMIG_LIBPQ_NO_MACROS  /* here PQxxx names the declarations */
#include "libpq.h"

struct luamig_libpq luamig_pq;

/* Why the last attempt failed; dlerror's own buffer may be reused. */
static char load_error[512];

static const char *failed(void) {
  const char *why = dlerror();
  snprintf(load_error, sizeof load_error, "cannot load %s: %s", LUAMIG_LIBPQ_SONAME,
           why != NULL ? why : "unknown error");
  return load_error;
}

/* RTLD_NOW: every symbol libpq needs is bound here, none later (PQcancel
 * runs in a signal handler). The handle is kept for the life of the
 * process. A failure leaves the table empty, so a later call tries again. */
const char *luamig_libpq_load(void) {
  static void *handle = NULL;
  if (handle != NULL) return NULL;
  void *h = dlopen(LUAMIG_LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) return failed();
  struct luamig_libpq pq;
#define LUAMIG_LIBPQ_RESOLVE(name) \
  if ((pq.name = (__typeof__(pq.name))dlsym(h, #name)) == NULL) { \
    const char *msg = failed(); \
    dlclose(h); \
    return msg; \
  }
  LUAMIG_LIBPQ_FUNCTIONS(LUAMIG_LIBPQ_RESOLVE)
#undef LUAMIG_LIBPQ_RESOLVE
  luamig_pq = pq;
  handle = h;
  return NULL;
}
