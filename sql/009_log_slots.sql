-- The entries in force of a subject's log (kind 'log', registry/rules/domain_subjects.c) are
-- kept one row per slot instead of inside the log's document: an entry then writes its own
-- slot and the small log header, not the whole tail of up to 32 slots again (issue 12).
-- entity_doc gives every document whole, as the rules and `rebuild --check` see it.
CREATE TABLE entity_slot (
  ledger  text NOT NULL REFERENCES ledger (code),
  subject text NOT NULL,  -- the log's id
  n       int NOT NULL,   -- position in the log's tail, from 0
  slot    jsonb NOT NULL,
  PRIMARY KEY (ledger, subject, n)
);
REVOKE ALL ON entity_slot FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON entity_slot TO aidreg_writer;

INSERT INTO entity_slot (ledger, subject, n, slot)
SELECT e.ledger, e.id, (t.o - 1)::int, t.slot
FROM entity e CROSS JOIN LATERAL jsonb_array_elements(e.doc->'tail') WITH ORDINALITY AS t(slot, o)
WHERE e.kind = 'log' AND jsonb_typeof(e.doc->'tail') = 'array';
UPDATE entity SET doc = doc - 'tail' WHERE kind = 'log' AND doc ? 'tail';

CREATE VIEW entity_doc AS
SELECT e.ledger, e.kind, e.id, e.village, e.township, e.villages, e.class, e.status, e.name, e.year,
       CASE WHEN e.kind = 'log' THEN e.doc || jsonb_build_object('tail', coalesce(
         (SELECT jsonb_agg(s.slot ORDER BY s.n) FROM entity_slot s WHERE s.ledger = e.ledger AND s.subject = e.id),
         '[]'::jsonb))
       ELSE e.doc END AS doc,
       e.updated_at
FROM entity e;
REVOKE ALL ON entity_doc FROM PUBLIC;
GRANT SELECT ON entity_doc TO aidreg_writer;
