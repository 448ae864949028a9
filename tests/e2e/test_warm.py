"""The desk's summaries read at start (api/warm.c): a server started on a database that
holds ledgers reads each county's summary in the background and says so on stderr, so
that the first officer after a restart does not wait for every asset's part; its answers
are the running server's, and a SIGTERM while it reads still stops it cleanly."""

import json
import os
import re
import time

from aidreg_client import Client, new_ledger
from servers import Server

C = Client()
LINE = re.compile(r"summaries of (\d+) ledger\(s\) read at start in [0-9.]+ s")


def setup_module():
    global L
    L = new_ledger(C, "37")
    L.enroll("root", "county", "county", L.code)
    v = L.code + "101201"
    for type_, subject, body in (
        ("place.register", L.code + "101", {"name": "暖镇"}),
        ("place.register", v, {"name": "暖村"}),
        ("project.register", "P-WARM-1", {
            "name": "光伏扶贫项目", "type": "industry", "year": 2024,
            "funding_lines": [{"channel": "衔接资金", "year": 2024, "amount_fen": 5000000}],
            "locations": [v], "industry_dept": "县发改局", "implementing_unit": "县能源公司"}),
        ("asset.register", "A-WARM-1", {
            "project": "P-WARM-1", "name": "村级光伏电站", "class": "operating", "subtype": "光伏",
            "form": "fixed", "locations": [{"code": v, "share_bp": 10000}],
            "original_value_fen": 5000000, "quantity": 1, "unit": "座",
            "completed_on": "2024-05-01", "accepted_on": "2024-05-10"}),
    ):
        r = C.submit(L.code, L.sign("county", type_, subject, body))
        assert r.status == 201, (type_, r)


def wait_line(log, start, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log, "rb") as f:
            f.seek(start)
            m = LINE.search(f.read().decode("utf-8", "replace"))
        if m:
            return int(m.group(1))
        time.sleep(0.1)
    raise AssertionError("no 'summaries … read at start' line in %s" % log)


def test_a_server_reads_every_ledgers_summary_at_start():
    ledgers = json.loads(C.get("/v1/ledgers").body)["ledgers"]
    assert L.code in [l["code"] for l in ledgers]
    srv = Server("warm")
    start = os.path.getsize(srv.log) if os.path.exists(srv.log) else 0
    srv.start()
    try:
        read = wait_line(srv.log, start)
        assert read >= len(ledgers), (read, len(ledgers))
        path = "/v1/ledgers/%s/summary" % L.code
        mine, theirs = srv.client.get(path), C.get(path)
        assert mine.status == 200 and theirs.status == 200, (mine, theirs)
        assert json.loads(mine.body) == json.loads(theirs.body)
        assert json.loads(mine.body)["assets"]["total"] == 1
    finally:
        srv.stop()
    assert srv.proc.returncode == 0, srv.proc.returncode


def test_sigterm_while_reading_at_start_stops_cleanly():
    srv = Server("warm-stop")
    srv.start()
    srv.stop()  # SIGTERM at once: the reading stops after its ledger, then the server
    assert srv.proc.returncode == 0, srv.proc.returncode
