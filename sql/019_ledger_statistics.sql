-- The ledger table in the statistics' refresh (sql/014; docs/decisions.md "The ledger table
-- in the statistics' refresh").
--
-- Every group commit locks its ledger row, updates its size, and each row it inserts into
-- leaf, tree_node, checkpoint and entity_slot has its foreign key to `ledger` checked. Those
-- plans are made once per session and kept: made when the ledger table was a page (a new
-- database, or a test's), they are sequential scans, and the table grows by the versions of
-- the rows each commit updates (nine rows in 19 pages after a minute of the benchmark): about
-- seven scans of the whole table a commit. ANALYZE of `ledger` makes PostgreSQL plan them
-- again, from the table as it is then. The table holds a row per county: its ANALYZE is
-- cheap beside the others'.
CREATE OR REPLACE FUNCTION aidreg_refresh_statistics() RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp SET default_statistics_target = 10
  AS $$ ANALYZE leaf (ledger), tree_node (ledger), entity (ledger, kind), entity_slot (ledger), signing_key (ledger), ledger $$;
