-- The verifiable log: ledgers, leaves, tree nodes and checkpoints.
-- leaf, tree_node and checkpoint are append-only: the writer role may only SELECT and
-- INSERT them, and triggers refuse UPDATE, DELETE and TRUNCATE even for their owner.
-- A superuser can still bypass both; `aidreg verify` is what catches that.

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aidreg_writer') THEN
    CREATE ROLE aidreg_writer NOLOGIN;
  END IF;
END $$;

CREATE TABLE ledger (
  code       text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
  name       text NOT NULL,
  origin     text NOT NULL UNIQUE,
  vkey       text NOT NULL,
  size       bigint NOT NULL DEFAULT 0 CHECK (size >= 0), -- sequencing: locked FOR UPDATE by appenders
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE leaf (
  ledger         text NOT NULL REFERENCES ledger (code),
  idx            bigint NOT NULL CHECK (idx >= 0),
  payload_sha256 bytea NOT NULL,
  type           text NOT NULL,
  subject        text NOT NULL,
  data           text NOT NULL, -- the exact leaf bytes (ASCII JSON)
  PRIMARY KEY (ledger, idx),
  UNIQUE (ledger, payload_sha256)
);
CREATE INDEX leaf_subject ON leaf (ledger, subject, idx);

-- Every perfect subtree: (level, idx) covers leaves [idx << level, (idx + 1) << level).
CREATE TABLE tree_node (
  ledger text NOT NULL REFERENCES ledger (code),
  level  smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
  idx    bigint NOT NULL CHECK (idx >= 0),
  hash   bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (ledger, level, idx)
);

-- Inclusion proofs by leaf hash (?leaf_hash=).
CREATE INDEX tree_node_leaf_hash ON tree_node (ledger, hash) WHERE level = 0;

CREATE TABLE checkpoint (
  ledger     text NOT NULL REFERENCES ledger (code),
  size       bigint NOT NULL CHECK (size > 0),
  note       text NOT NULL, -- the signed note, as served
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ledger, size)
);

CREATE FUNCTION aidreg_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'aidreg: % on % refused: the log is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER leaf_append_only BEFORE UPDATE OR DELETE ON leaf
  FOR EACH ROW EXECUTE FUNCTION aidreg_refuse_change();
CREATE TRIGGER leaf_no_truncate BEFORE TRUNCATE ON leaf
  FOR EACH STATEMENT EXECUTE FUNCTION aidreg_refuse_change();
CREATE TRIGGER tree_node_append_only BEFORE UPDATE OR DELETE ON tree_node
  FOR EACH ROW EXECUTE FUNCTION aidreg_refuse_change();
CREATE TRIGGER tree_node_no_truncate BEFORE TRUNCATE ON tree_node
  FOR EACH STATEMENT EXECUTE FUNCTION aidreg_refuse_change();
CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE ON checkpoint
  FOR EACH ROW EXECUTE FUNCTION aidreg_refuse_change();
CREATE TRIGGER checkpoint_no_truncate BEFORE TRUNCATE ON checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION aidreg_refuse_change();

-- Projections of the log (rebuildable from the leaves): current head of each subject
-- (for `prev`) and the keys enrolled in each ledger.
CREATE TABLE subject_head (
  ledger         text NOT NULL REFERENCES ledger (code),
  subject        text NOT NULL,
  payload_sha256 bytea NOT NULL,
  idx            bigint NOT NULL,
  PRIMARY KEY (ledger, subject)
);

CREATE TABLE signing_key (
  ledger      text NOT NULL REFERENCES ledger (code),
  keyid       text NOT NULL,
  role        text NOT NULL,
  scope       text NOT NULL,
  is_root     boolean NOT NULL DEFAULT false,
  holder_name text NOT NULL DEFAULT '',
  holder_org  text NOT NULL DEFAULT '',
  enrolled_at bigint NOT NULL, -- leaf index of the enrolment
  revoked_at  bigint,          -- leaf index of the revocation
  PRIMARY KEY (ledger, keyid)
);

REVOKE ALL ON ledger, leaf, tree_node, checkpoint, subject_head, signing_key FROM PUBLIC;
GRANT SELECT, INSERT ON leaf, tree_node, checkpoint TO aidreg_writer;
GRANT SELECT, INSERT, UPDATE ON ledger TO aidreg_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON subject_head, signing_key TO aidreg_writer;
GRANT SELECT ON schema_version TO aidreg_writer;
