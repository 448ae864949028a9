-- Updates of entity that PostgreSQL can make in place (HOT: a new row version on the same
-- page, no index entry written) - issue 12 part 3, docs/benchmark.md "Issue 12, step 4".
--
-- Every append rewrites the documents its entries changed. An update is HOT only when no
-- column an index names changes and the page has room for the new version. The partial index
-- of the assets and villages with notices (sql/012) named `doc` in its predicate, and `doc`
-- changes in every update: every update wrote every index of entity, two of them GIN.
-- The predicate now reads a stored generated column, which changes only when a document's
-- notices go from none to some: computed by the database from the document itself, so the
-- writer, `rebuild` and a hand-made row cannot disagree with it.
ALTER TABLE entity
  SET (fillfactor = 80), -- room on each page for the new versions (the rewrite below packs to it)
  ADD COLUMN has_notices boolean NOT NULL GENERATED ALWAYS AS (
    kind IN ('asset', 'village')
    AND coalesce(jsonb_typeof(doc->'notices') = 'array' AND doc->'notices' <> '[]'::jsonb, false)) STORED;

DROP INDEX entity_with_notices;
-- The assets and villages with notices (GET /notices, registry/store/desk_reads.c): most have none.
CREATE INDEX entity_with_notices ON entity (ledger) WHERE has_notices;
