-- Reads of a county of 100,000 assets (docs/benchmark.md "Desk reads").
--
-- The order of the 总台账 (township, village, asset; registry/store/report_reads.c) read from
-- an index instead of a sort of the whole county's assets, which spilled to disk.
CREATE INDEX entity_register_order ON entity (ledger, kind, township, village, id);

-- The townships of an entity's villages (the first 9 digits of each), so that a filter by
-- township ("an asset with a share in one of its villages") uses an index instead of
-- unnesting every asset's villages.
CREATE FUNCTION aidreg_townships(villages text[]) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg(DISTINCT left(v, 9)) FROM unnest(villages) AS v $$;
CREATE INDEX entity_townships ON entity USING gin (aidreg_townships(villages));

-- The assets and villages with notices (GET /notices): most assets have none.
CREATE INDEX entity_with_notices ON entity (ledger) WHERE kind IN ('asset', 'village') AND doc->'notices' <> '[]'::jsonb;
