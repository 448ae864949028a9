-- Reads of a county of 100,000 assets, continued (docs/benchmark.md "Desk reads").
--
-- The rows an append changed: the summaries keep each asset's and plan's part in memory
-- and read again only the rows whose updated_at (the index of the last entry that changed
-- them) is at or past the size they were read at (registry/store/summary_kept.c).
CREATE INDEX entity_changed ON entity (ledger, kind, updated_at) WHERE kind IN ('asset', 'plan');

-- The search of the lists (?q=: a part of the name or of the code, any case). pg_trgm's
-- trigrams do not serve the two-character words a county searches by (光伏, 大棚): the
-- single characters and pairs of the lowercased name and code instead. A row holds every
-- pair of what it contains; the substring test itself still decides (registry/store/state_reads.c).
CREATE FUNCTION aidreg_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
          SELECT substr(lower(t), i, 2) AS g FROM generate_series(1, length(t) - 1) AS i
          UNION ALL SELECT substr(lower(t), i, 1) FROM generate_series(1, length(t)) AS i) AS x $$;
CREATE FUNCTION aidreg_search_grams(name text, id text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT aidreg_grams(coalesce(name, '')) || aidreg_grams(id) $$;
CREATE INDEX entity_search ON entity USING gin (aidreg_search_grams(name, id))
  WHERE kind IN ('asset', 'project', 'plan');
