-- Reads of a county of 100,000 assets, continued (docs/benchmark.md "Desk reads").
--
-- The projects of one year (GET /projects?year=Y) and their count: without an index on the
-- year, PostgreSQL read every project's row of the county to count the year's (60,000
-- projects: 0.1–0.3 s); with it, the count is an index-only scan of that year's ids and the
-- page reads them in id order. Only the rows with a year (projects): the assets and plans
-- have none. An update that leaves the year as it is stays HOT (sql/013): no append changes
-- a project's year but its correction.
CREATE INDEX entity_year ON entity (ledger, kind, year, id) WHERE year IS NOT NULL;
