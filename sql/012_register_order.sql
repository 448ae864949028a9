-- The order of the 总台账 (township, village, asset; registry/store/report_reads.c) read from
-- an index instead of a sort of the whole county's assets: at 100,000 assets the sort of the
-- report's rows spilled to disk (docs/benchmark.md "Desk reads").
CREATE INDEX entity_register_order ON entity (ledger, kind, township, village, id);
