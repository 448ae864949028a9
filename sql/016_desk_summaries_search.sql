-- Reads of a county of 100,000 assets, continued (docs/benchmark.md "Desk reads").
--
-- The rows an append changed: the summaries keep each asset's and plan's part in memory
-- and read again only the rows whose updated_at (the index of the last entry that changed
-- them) is at or past the size they were read at (registry/store/summary_kept.c).
CREATE INDEX entity_changed ON entity (ledger, kind, updated_at) WHERE kind IN ('asset', 'plan');
