/* GET /healthz and GET /metrics (Prometheus text format 0.0.4). */
#include <stdio.h>
#include <stdlib.h>

#include "guard.h"
#include "httpd.h"
#include "metrics.h"
#include "reply.h"

/* 200 {"status":"ok","database":"ok"}, or 503 with a problem whose detail and "database"
 * member ("unreachable", "slow", "busy", "failing") say what is wrong. */
enum MHD_Result h_healthz(httpd_request *rq) {
  char why[300];
  aidreg_db_health h = aidreg_registry_health(rq->srv->registry, why, sizeof why);
  if (h != AIDREG_DB_OK) {
    aidreg_problem p;
    aidreg_problem_clear(&p);
    aidreg_problem_set(&p, AIDREG_E_UNAVAILABLE, NULL, "%s", why);
    return reply_problem(rq, &p, json_pack("{s:s}", "database", aidreg_db_health_name(h)));
  }
  return reply_json(rq, MHD_HTTP_OK, json_pack("{s:s, s:s}", "status", "ok", "database", "ok"));
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == '"') fputc('\\', f);
    if (*s == '\n') {
      fputs("\\n", f);
      continue;
    }
    fputc(*s, f);
  }
}

static void put_requests(FILE *f) {
  fputs("# HELP aidreg_http_requests_total HTTP responses sent, by route pattern and status.\n"
        "# TYPE aidreg_http_requests_total counter\n",
        f);
  for (int slot = 0; slot <= router_route_count(); slot++) {
    for (unsigned status = 100; status < 600; status++) {
      uint64_t n = metrics_get(slot, status);
      if (!n) continue;
      fputs("aidreg_http_requests_total{route=\"", f);
      put_label(f, router_pattern(slot));
      fprintf(f, "\",status=\"%u\"} %llu\n", status, (unsigned long long)n);
    }
  }
}

static void put_durations(FILE *f) {
  fputs("# HELP aidreg_http_request_duration_seconds Server-side time of a response, from its request's headers "
        "to the response queued, by route pattern.\n"
        "# TYPE aidreg_http_request_duration_seconds histogram\n",
        f);
  for (int slot = 0; slot <= router_route_count(); slot++) {
    uint64_t counts[METRICS_DURATION_BUCKETS + 1], cumulative = 0;
    double sum;
    if (!metrics_durations(slot, counts, &sum)) continue;
    for (int b = 0; b <= METRICS_DURATION_BUCKETS; b++) {
      cumulative += counts[b];
      fputs("aidreg_http_request_duration_seconds_bucket{route=\"", f);
      put_label(f, router_pattern(slot));
      if (b < METRICS_DURATION_BUCKETS) fprintf(f, "\",le=\"%g\"} %llu\n", metrics_duration_bounds[b], (unsigned long long)cumulative);
      else fprintf(f, "\",le=\"+Inf\"} %llu\n", (unsigned long long)cumulative);
    }
    fputs("aidreg_http_request_duration_seconds_sum{route=\"", f);
    put_label(f, router_pattern(slot));
    fprintf(f, "\"} %.9g\n", sum);
    fputs("aidreg_http_request_duration_seconds_count{route=\"", f);
    put_label(f, router_pattern(slot));
    fprintf(f, "\"} %llu\n", (unsigned long long)cumulative);
  }
}

static void put_appends(FILE *f, const aidreg_registry_stats *st) {
  fprintf(f,
          "# HELP aidreg_entries_appended_total Entries appended to all ledgers.\n"
          "# TYPE aidreg_entries_appended_total counter\n"
          "aidreg_entries_appended_total %llu\n"
          "# HELP aidreg_append_batches_total Group-commit transactions committed.\n"
          "# TYPE aidreg_append_batches_total counter\n"
          "aidreg_append_batches_total %llu\n"
          "# HELP aidreg_append_latency_seconds Time from queueing an entry to its commit.\n"
          "# TYPE aidreg_append_latency_seconds histogram\n",
          (unsigned long long)st->entries_appended, (unsigned long long)st->batches_committed);
  uint64_t cumulative = 0;
  for (int i = 0; i < AIDREG_LATENCY_BUCKETS; i++) {
    cumulative += st->latency_count[i];
    fprintf(f, "aidreg_append_latency_seconds_bucket{le=\"%g\"} %llu\n", aidreg_latency_bounds[i],
            (unsigned long long)cumulative);
  }
  cumulative += st->latency_count[AIDREG_LATENCY_BUCKETS];
  fprintf(f,
          "aidreg_append_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
          "aidreg_append_latency_seconds_sum %.9g\n"
          "aidreg_append_latency_seconds_count %llu\n",
          (unsigned long long)cumulative, st->latency_sum_seconds, (unsigned long long)cumulative);
}

static void put_log_reads(FILE *f, const aidreg_log_reads *lr) {
  fprintf(f,
          "# HELP aidreg_log_reads_total Proofs and tiles answered: from memory (the log's parts that never "
          "change, kept) or by reading the database.\n"
          "# TYPE aidreg_log_reads_total counter\n"
          "aidreg_log_reads_total{kind=\"proof\",from=\"memory\"} %llu\n"
          "aidreg_log_reads_total{kind=\"proof\",from=\"database\"} %llu\n"
          "aidreg_log_reads_total{kind=\"tile\",from=\"memory\"} %llu\n"
          "aidreg_log_reads_total{kind=\"tile\",from=\"database\"} %llu\n",
          (unsigned long long)lr->proofs_kept, (unsigned long long)lr->proofs_read, (unsigned long long)lr->tiles_kept,
          (unsigned long long)lr->tiles_read);
}

static void put_tree_sizes(FILE *f, const json_t *sizes) {
  fputs("# HELP aidreg_tree_size Entries in each ledger's log.\n"
        "# TYPE aidreg_tree_size gauge\n",
        f);
  size_t i;
  const json_t *row;
  json_array_foreach(sizes, i, row) {
    const char *code = json_string_value(json_object_get(row, "code"));
    const json_t *size = json_object_get(row, "size");
    if (!code || !json_is_integer(size)) continue;
    fputs("aidreg_tree_size{ledger=\"", f);
    put_label(f, code);
    fprintf(f, "\"} %lld\n", (long long)json_integer_value(size));
  }
}

enum MHD_Result h_metrics(httpd_request *rq) {
  aidreg_registry_stats st;
  aidreg_registry_stats_get(rq->srv->registry, &st);
  json_t *sizes = aidreg_registry_tree_sizes(rq->srv->registry);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) {
    json_decref(sizes);
    return reply_error(rq, AIDREG_E_INTERNAL, NULL, "out of memory");
  }
  put_requests(f);
  put_durations(f);
  unsigned long by_deadline = 0, by_limit = 0;
  guard_closed(&by_deadline, &by_limit);
  fprintf(f,
          "# HELP aidreg_http_connections_closed_total Connections the server closed: past a deadline "
          "(headers, whole request) or mid-body past a limit.\n"
          "# TYPE aidreg_http_connections_closed_total counter\n"
          "aidreg_http_connections_closed_total{reason=\"deadline\"} %lu\n"
          "aidreg_http_connections_closed_total{reason=\"limit\"} %lu\n",
          by_deadline, by_limit);
  put_appends(f, &st);
  aidreg_log_reads lr;
  aidreg_registry_log_reads(rq->srv->registry, &lr);
  put_log_reads(f, &lr);
  if (sizes) put_tree_sizes(f, sizes);
  json_decref(sizes);
  bool failed = ferror(f) != 0;
  if (fclose(f) != 0 || failed) {
    free(text);
    return reply_error(rq, AIDREG_E_INTERNAL, NULL, "could not write the metrics");
  }
  return reply_bytes(rq, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", "no-cache", text, len);
}
