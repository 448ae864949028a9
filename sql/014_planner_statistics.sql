-- The planner's statistics kept in step with a ledger's growth (registry/store/planner_stats.c;
-- docs/decisions.md "The planner's statistics follow each ledger's growth").
--
-- Every statement of the append path names its ledger. PostgreSQL estimates how many rows
-- that ledger has from the statistics of the last ANALYZE; a ledger created or grown since
-- (a county's first import, a new county in a database of several) is then estimated at
-- the few rows it had, and a probe such as "this ledger's leaf with this payload" is planned
-- as a scan of the whole ledger by the primary key, filtered: each group commit reads every
-- row of the ledger again, quadratic over an import. Autovacuum's ANALYZE comes after a
-- tenth of the whole table has changed, which for a new county in a large database is far
-- too late.
--
-- Only the columns the estimates turn on are analyzed, from a sample of 3,000 rows
-- (statistics target 10; 30,000 by default): the whole tables with their documents cost
-- seconds each time and held back HOT updates meanwhile (docs/benchmark.md "A ledger the
-- statistics do not know"). The list of most common values then holds only the ten largest
-- ledgers: any other is estimated at the average of the rest, never at the handful of rows
-- it once had. Autovacuum's own ANALYZE, with the defaults, comes in between.
--
-- ANALYZE needs the tables' owner; the server's role may only call this function, which
-- runs as the owner (the role that applies the migrations) and does nothing else.
CREATE FUNCTION aidreg_refresh_statistics() RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp SET default_statistics_target = 10
  AS $$ ANALYZE leaf (ledger), tree_node (ledger), entity (ledger, kind), entity_slot (ledger), signing_key (ledger) $$;
REVOKE ALL ON FUNCTION aidreg_refresh_statistics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aidreg_refresh_statistics() TO aidreg_writer;
