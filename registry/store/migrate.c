/* Schema migrations: sql/NNN_name.sql applied in order, each in its own transaction,
 * under a session advisory lock so that servers starting together migrate once. */
#include "store/migrate.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_LOCK "727001" /* arbitrary, fixed: the advisory lock key of migrations */

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
      if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
      } else {
        buf[n] = 0;
      }
    }
  }
  fclose(f);
  return buf;
}

static bool is_migration(const char *name) {
  size_t n = strlen(name);
  return n > 8 && name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9' && name[2] >= '0' &&
         name[2] <= '9' && name[3] == '_' && strcmp(name + n - 4, ".sql") == 0;
}

static db_stmt q_applied = {"SELECT 1 FROM schema_version WHERE version = $1", 0};
static db_stmt q_record = {"INSERT INTO schema_version (version, name) VALUES ($1, $2)", 0};

static int apply_one(db_conn *c, const char *dir, const char *name, char *err, size_t cap) {
  char version[4] = {name[0], name[1], name[2], 0};
  const char *params[2] = {version, name};
  PGresult *r = ar_db_run(c, &q_applied, 1, params, NULL);
  if (!r) {
    snprintf(err, cap, "cannot read schema_version");
    return -1;
  }
  bool done = PQntuples(r) > 0;
  PQclear(r);
  if (done) return 0;

  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *sql = read_file(path);
  if (!sql) {
    snprintf(err, cap, "cannot read %s", path);
    return -1;
  }
  int rc = -1;
  if (ar_db_cmd(c, "BEGIN")) goto out;
  r = PQexec(c->pg, sql);
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
    snprintf(err, cap, "migration %s failed: %s", name, PQerrorMessage(c->pg));
    PQclear(r);
    ar_db_cmd(c, "ROLLBACK");
    goto out;
  }
  PQclear(r);
  if (ar_db_do(c, &q_record, 2, params) || ar_db_cmd(c, "COMMIT")) {
    snprintf(err, cap, "cannot record migration %s", name);
    ar_db_cmd(c, "ROLLBACK");
    goto out;
  }
  fprintf(stderr, "aidreg: applied migration %s\n", name);
  rc = 0;
out:
  free(sql);
  return rc;
}

int aidreg_migrate(const char *url, const char *dir, char *err, size_t cap) {
  db_conn *c = ar_db_connect(url, err, cap);
  if (!c) return -1;
  int rc = -1;
  char **names = NULL;
  size_t n = 0;
  DIR *d = NULL;
  if (ar_db_cmd(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")")) {
    snprintf(err, cap, "cannot take the migration lock");
    goto out;
  }
  if (ar_db_cmd(c, "CREATE TABLE IF NOT EXISTS schema_version (version int PRIMARY KEY, name text NOT NULL, "
                "applied_at timestamptz NOT NULL DEFAULT now())")) {
    snprintf(err, cap, "cannot create schema_version");
    goto unlock;
  }
  d = opendir(dir);
  if (!d) {
    snprintf(err, cap, "cannot open migrations folder %s", dir);
    goto unlock;
  }
  struct dirent *e;
  size_t cap_names = 0;
  while ((e = readdir(d))) {
    if (!is_migration(e->d_name)) continue;
    if (n == cap_names) {
      cap_names = cap_names ? cap_names * 2 : 16;
      char **grown = realloc(names, cap_names * sizeof *names);
      if (!grown) goto unlock;
      names = grown;
    }
    if (!(names[n] = strdup(e->d_name))) goto unlock;
    n++;
  }
  qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++)
    if (apply_one(c, dir, names[i], err, cap)) goto unlock;
  rc = 0;
unlock:
  ar_db_cmd(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")");
out:
  if (d) closedir(d);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  ar_db_close(c);
  return rc;
}
