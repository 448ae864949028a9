-- The current state of each ledger (docs/events.md): a projection of the log, updated in the
-- append transaction and rebuilt by `aidreg rebuild --check` from the leaves alone.
-- One row per document (registry/rules/domain_internal.h lists the kinds): its JSON, and the
-- columns the read API filters and aggregates by.
CREATE TABLE entity (
  ledger     text NOT NULL REFERENCES ledger (code),
  kind       text NOT NULL,  -- asset, project, plan, income, finding, village, settings, log
  id         text NOT NULL,
  village    text,           -- first location (asset), the plan's village, ...
  township   text,
  villages   text[] NOT NULL DEFAULT '{}', -- every village (location) the document concerns
  class      text,           -- asset class, project type, finding severity
  status     text,           -- asset status, plan state, finding open/resolved
  name       text,
  year       int,
  doc        jsonb NOT NULL,
  updated_at bigint NOT NULL, -- index of the last entry that changed it
  PRIMARY KEY (ledger, kind, id)
);
CREATE INDEX entity_village ON entity (ledger, kind, village);
CREATE INDEX entity_township ON entity (ledger, kind, township);
CREATE INDEX entity_class_status ON entity (ledger, kind, class, status);
CREATE INDEX entity_villages ON entity USING gin (villages);

REVOKE ALL ON entity FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON entity TO aidreg_writer;
