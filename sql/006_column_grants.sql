-- The server's role may change only the columns that change (issue 9, item 13):
-- ledger.size and ledger.frontier (each append), signing_key.revoked_at (a key.revoke).
-- Not a ledger's code, name, origin or verifier key, not a key's role, scope or holder,
-- and no key is ever deleted. A revocation, once recorded, stays: a trigger refuses to
-- change revoked_at again, and a ledger's size never goes down.
REVOKE UPDATE ON ledger FROM aidreg_writer;
GRANT UPDATE (size, frontier) ON ledger TO aidreg_writer;
REVOKE UPDATE, DELETE ON signing_key FROM aidreg_writer;
GRANT UPDATE (revoked_at) ON signing_key TO aidreg_writer;

CREATE FUNCTION aidreg_revocation_stays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
    RAISE EXCEPTION 'aidreg: the revocation of key % in ledger % is recorded and stays', OLD.keyid, OLD.ledger
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER signing_key_revocation_stays BEFORE UPDATE ON signing_key
  FOR EACH ROW EXECUTE FUNCTION aidreg_revocation_stays();

CREATE FUNCTION aidreg_size_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.size < OLD.size THEN
    RAISE EXCEPTION 'aidreg: ledger % has % entries; its size does not go down', OLD.code, OLD.size
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_size_grows BEFORE UPDATE ON ledger
  FOR EACH ROW EXECUTE FUNCTION aidreg_size_grows();
