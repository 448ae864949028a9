-- Reads of a county of 100,000 assets, continued (docs/benchmark.md "Desk reads").
--
-- The rows an append changed: the summaries keep each asset's and plan's part in memory
-- and read again only the rows whose updated_at (the index of the last entry that changed
-- them) is at or past the size they were read at (registry/store/summary_kept.c).
CREATE INDEX entity_changed ON entity (ledger, kind, updated_at) WHERE kind IN ('asset', 'plan');

-- The search of the lists (?q=: a part of the name or of the code, any case) must test every
-- row of the county: the names beside the ids in an index, so that the test reads the index
-- alone (an index-only scan: 100,000 names in tens of milliseconds) instead of every asset's
-- row with its document. Neither pg_trgm's trigrams nor an index of character pairs served:
-- the two-character words a county searches by (光伏) have no trigram, and a pair common to a
-- sixth of the county still fetched that many rows (docs/benchmark.md "Desk reads"). Only the
-- kinds the lists search: the reads of other kinds (the notices' partial index) are not
-- tempted by it.
CREATE INDEX entity_names ON entity (ledger, kind, id) INCLUDE (name) WHERE kind IN ('asset', 'project', 'plan');
