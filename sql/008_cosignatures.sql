-- Witness cosignatures (C2SP tlog-cosignature) on stored checkpoints, as the witnesses
-- answered them: one signature line per (checkpoint, witness). The server checks each
-- line before storing it and serves the lines appended to the checkpoint note. Append-only
-- like the checkpoints they sign: a cosignature given is evidence, never taken back.
CREATE TABLE cosignature (
  ledger     text NOT NULL,
  size       bigint NOT NULL,
  witness    text NOT NULL, -- the witness's verifier key string (name+id+key)
  line       text NOT NULL CHECK (line LIKE '— %' AND right(line, 1) = E'\n'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ledger, size, witness),
  FOREIGN KEY (ledger, size) REFERENCES checkpoint (ledger, size)
);
-- The latest size each witness cosigned (the old size of the next request).
CREATE INDEX cosignature_by_witness ON cosignature (ledger, witness, size);

CREATE TRIGGER cosignature_append_only BEFORE UPDATE OR DELETE ON cosignature
  FOR EACH ROW EXECUTE FUNCTION aidreg_refuse_change();
CREATE TRIGGER cosignature_no_truncate BEFORE TRUNCATE ON cosignature
  FOR EACH STATEMENT EXECUTE FUNCTION aidreg_refuse_change();

REVOKE ALL ON cosignature FROM PUBLIC;
GRANT SELECT, INSERT ON cosignature TO aidreg_writer;
