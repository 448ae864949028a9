-- Reads of a county of 100,000 assets, continued (docs/benchmark.md "Desk reads").
--
-- The rows each group commit changed: the summaries keep each asset's and plan's part in
-- memory and read again only the assets and plans written or deleted since the size they
-- were read at (registry/store/summary_kept.c). Not an index of entity on updated_at, which
-- every update changes: no update of entity would then be HOT (sql/013). One row per commit,
-- even one that changed none, written by the append transaction (registry/store/domain_db.c),
-- so that the rows since a size reach the ledger's size without a gap; the writer prunes the
-- rows far behind, and a reader that far behind reads every row again. No foreign key to
-- ledger: a record the append writes and the readers check, not a fact to keep whole.
CREATE TABLE entity_change (
  ledger      text NOT NULL,
  size_before bigint NOT NULL, -- the ledger's size before the commit
  size_after  bigint NOT NULL, -- and after it
  assets      text[] NOT NULL, -- the ids of the assets written or deleted
  plans       text[] NOT NULL, -- and of the plans
  PRIMARY KEY (ledger, size_before)
);
REVOKE ALL ON entity_change FROM PUBLIC;
GRANT SELECT, INSERT, DELETE ON entity_change TO aidreg_writer;

-- The search of the lists (?q=: a part of the name or of the code, any case) must test every
-- row of the county: the names beside the ids in an index, so that the test reads the index
-- alone (an index-only scan: 100,000 names in tens of milliseconds) instead of every asset's
-- row with its document. Neither pg_trgm's trigrams nor an index of character pairs served:
-- the two-character words a county searches by (光伏) have no trigram, and a pair common to a
-- sixth of the county still fetched that many rows (docs/benchmark.md "Desk reads"). Only the
-- kinds the lists search: the reads of other kinds (the notices' partial index) are not
-- tempted by it.
CREATE INDEX entity_names ON entity (ledger, kind, id) INCLUDE (name) WHERE kind IN ('asset', 'project', 'plan');
