-- The right frontier of each ledger's tree (the hashes of its maximal perfect subtrees,
-- lowest level first), kept beside `size` in the row every appender locks anyway, so a
-- group commit needs no tree_node lookup to continue the tree. Like `size` it is derived
-- data: NULL (or a length that does not fit `size`) makes the appender read tree_node,
-- and `aidreg verify` recomputes every node from the leaves regardless.
ALTER TABLE ledger ADD COLUMN frontier bytea;
