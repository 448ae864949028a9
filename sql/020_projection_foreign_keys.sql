-- The tables the append writes beside the leaves check no foreign key to ledger - issue 12
-- part 2, docs/benchmark.md "PostgreSQL's CPU per key.enroll entry" and docs/decisions.md
-- "No foreign keys on the append's derived rows".
--
-- tree_node, signing_key, entity and entity_slot are written only by the append transaction,
-- which holds its ledger's row FOR UPDATE (append.c) and writes the leaves they derive from
-- (rebuild --check and verify recompute them from the leaves). A foreign key there checked
-- again, row by row, what that lock already established: one query of ledger for every row
-- (three for a key.enroll: its leaf, its node, its key), 12 % of PostgreSQL's CPU per entry.
-- leaf and checkpoint keep theirs: they are the log itself, and a ledger row stays while it
-- has leaves (the server's role may not delete ledgers either), so every derived row still
-- names a ledger that exists.
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT con.conname, rel.relname FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_namespace ns ON ns.oid = rel.relnamespace
    WHERE con.contype = 'f' AND con.confrelid = 'ledger'::regclass AND ns.nspname = current_schema()
      AND rel.relname IN ('tree_node', 'signing_key', 'entity', 'entity_slot')
  LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', c.relname, c.conname);
  END LOOP;
END
$$;
