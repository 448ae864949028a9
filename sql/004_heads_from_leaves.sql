-- A subject's head (for `prev`) is its latest leaf, found through leaf_subject
-- (ledger, subject, idx) with one backward index probe per subject. The separate
-- subject_head table cost an upsert per entry on the append path and could disagree
-- with the log; it goes.
DROP TABLE subject_head;
