-- Attachments (photos, minutes, contracts): content-addressed files that events name by
-- their hex SHA-256 (`*_sha256`, docs/events.md). Kept per ledger; a row is never changed
-- or deleted, and the database itself refuses a row whose bytes do not hash to its name.
CREATE TABLE blob (
  ledger       text NOT NULL REFERENCES ledger (code),
  sha256       bytea NOT NULL CHECK (length(sha256) = 32),
  content_type text NOT NULL,
  size         bigint NOT NULL CHECK (size >= 0),
  data         bytea NOT NULL,
  keyid        text NOT NULL, -- the enrolled key whose signed request stored it first
  stored_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ledger, sha256),
  CHECK (sha256 = sha256(data) AND size = length(data))
);
REVOKE ALL ON blob FROM PUBLIC;
GRANT SELECT, INSERT ON blob TO aidreg_writer;
