-- Documents compressed with lz4 instead of pglz - issue 12 part 3, docs/benchmark.md
-- "Issue 12, part 3: why the entity upsert costs what it does": the upsert of the mixed load
-- 0.84 of its time (6 of 6 pairs). It applies to the values written from now on (every update
-- rewrites its document). A PostgreSQL built without lz4 keeps pglz, as before.
DO $$
BEGIN
  ALTER TABLE entity ALTER COLUMN doc SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'lz4 not in this PostgreSQL: entity documents stay pglz';
END
$$;
