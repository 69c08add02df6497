/* The fingerprint of a directory: one value for the names, sizes and
 * mtimes of its files with a given suffix, so that a cache of ten thousand
 * revision files is checked with no Lua string per file. Stat-ing the files
 * is most of the cost (a system call each), so a large directory is stat-ed
 * by a few threads at once. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* dirfd, st_mtim */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lauxlib.h"
#include "core.h"

#define MAX_THREADS 4
#define FILES_PER_THREAD 1024  /* below this a thread costs more than it saves */

struct file {
  char *name;
  uint64_t size, mtime_ns;
  int missing;  /* vanished between readdir and stat */
  int is_dir;   /* a directory with the suffix: no revision file */
};

struct listing {
  int dirfd;
  struct file *files;
  size_t n, cap;
};

static void free_listing(struct listing *l) {
  for (size_t i = 0; i < l->n; i++) free(l->files[i].name);
  free(l->files);
}

static int has_suffix(const char *name, const char *suffix, size_t suffix_len) {
  size_t len = strlen(name);
  return len >= suffix_len && memcmp(name + len - suffix_len, suffix, suffix_len) == 0;
}

/* The names in d ending in suffix; 0, or -1 with errno set. */
static int read_names(DIR *d, const char *suffix, size_t suffix_len, struct listing *l) {
  for (;;) {
    errno = 0;  /* readdir's NULL is the end only while errno stays 0 */
    struct dirent *e = readdir(d);
    if (e == NULL) return errno == 0 ? 0 : -1;
    if (!has_suffix(e->d_name, suffix, suffix_len)) continue;
    if (l->n == l->cap) {
      size_t cap = l->cap ? l->cap * 2 : 256;
      struct file *files = realloc(l->files, cap * sizeof *files);
      if (files == NULL) return -1;
      l->files = files;
      l->cap = cap;
    }
    struct file *f = &l->files[l->n];
    memset(f, 0, sizeof *f);
    if ((f->name = strdup(e->d_name)) == NULL) return -1;
    l->n++;
  }
}

/* A stat-ing thread's share: every stride-th file from first. */
struct share {
  struct listing *l;
  size_t first, stride;
};

static void *stat_share(void *arg) {
  struct share *s = arg;
  for (size_t i = s->first; i < s->l->n; i += s->stride) {
    struct file *f = &s->l->files[i];
    struct stat st;
    if (fstatat(s->l->dirfd, f->name, &st, 0) != 0) {
      f->missing = 1;
      continue;
    }
    f->is_dir = S_ISDIR(st.st_mode);
    f->size = (uint64_t)st.st_size;
    f->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
  }
  return NULL;
}

/* Stats every file, on up to MAX_THREADS threads; a thread that cannot be
 * started leaves its share to this one. */
static void stat_all(struct listing *l) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  size_t n_threads = l->n / FILES_PER_THREAD;
  if (cores > 0 && n_threads > (size_t)cores) n_threads = (size_t)cores;
  if (n_threads > MAX_THREADS) n_threads = MAX_THREADS;
  if (n_threads < 1) n_threads = 1;
  pthread_t threads[MAX_THREADS];
  struct share shares[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (size_t t = 0; t < n_threads; t++) shares[t] = (struct share){l, t, n_threads};
  for (size_t t = 1; t < n_threads; t++)
    started[t] = pthread_create(&threads[t], NULL, stat_share, &shares[t]) == 0;
  stat_share(&shares[0]);
  for (size_t t = 1; t < n_threads; t++) {
    if (started[t]) pthread_join(threads[t], NULL);
    else stat_share(&shares[t]);
  }
}

static uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* One 64-bit hash per file, summed and xor-ed (two independent
 * combinations, 128 bits): the same for any listing order. */
static void fold(const struct listing *l, uint64_t *sum, uint64_t *mix) {
  for (size_t i = 0; i < l->n; i++) {
    const struct file *f = &l->files[i];
    uint64_t h = luamig_fnv1a(f->name, strlen(f->name));
    h = splitmix64(h ^ (f->missing ? UINT64_MAX : f->size));
    h = splitmix64(h ^ (f->missing ? UINT64_MAX : f->mtime_ns));
    *sum += h;
    *mix ^= splitmix64(h);
  }
}

/* fingerprint(path, suffix) -> "count:hex" | nil, message
 * Of the files whose names end in suffix, with their sizes and mtimes:
 * equal fingerprints mean no such file was added, removed, renamed or
 * rewritten. count is how many of them are not directories, so that an
 * index claiming this fingerprint can be held to that many revisions. */
int sys_fingerprint(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  size_t suffix_len;
  const char *suffix = luaL_checklstring(L, 2, &suffix_len);
  DIR *d = opendir(path);
  if (d == NULL) return luamig_push_path_error(L, path, NULL);
  struct listing l = {dirfd(d), NULL, 0, 0};
  int failed = read_names(d, suffix, suffix_len, &l);
  int err = errno;
  uint64_t sum = 0, mix = 0;
  if (!failed) {
    stat_all(&l);
    fold(&l, &sum, &mix);
  }
  closedir(d);
  size_t n = 0;  /* what is not a directory: the revision files an index must hold */
  for (size_t i = 0; i < l.n; i++) n += !l.files[i].is_dir;
  free_listing(&l);  /* nothing above can raise a Lua error: no leak */
  if (failed) return luamig_push_path_error(L, path, strerror(err));
  char hex[33];
  snprintf(hex, sizeof hex, "%016llx%016llx", (unsigned long long)sum, (unsigned long long)mix);
  lua_pushfstring(L, "%I:%s", (lua_Integer)n, hex);
  return 1;
}
