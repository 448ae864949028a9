"""The event catalogue in GET /openapi.json, derived from the library's one row per type.

components.schemas.EventTypes names every type with its Chinese title, the roles that may
sign it and its subject kind; components.schemas.Body_<type> is the JSON Schema of the
body, generated from the schema the server's validator walks. Checked here: every body
the server accepted in the demo ledger (two years of a county's history) satisfies the
schema of its type, and bodies the server refuses for their form break the schema too."""

import os
import re

from aidreg_client import Client, Skip, assert_problem, new_ledger, unchanged

C = Client()
DOC = None


def doc():
    global DOC
    if DOC is None:
        r = C.get("/openapi.json")
        assert r.status == 200, r
        DOC = r.json
    return DOC


def schemas():
    return doc()["components"]["schemas"]


def body_schema(type_):
    return schemas().get("Body_" + type_.replace(".", "_"))


def check(value, schema, where="$"):
    """The subset of JSON Schema the generated bodies use; raises AssertionError."""
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        ok = {"object": isinstance(value, dict), "array": isinstance(value, list), "string": isinstance(value, str),
              "null": value is None, "boolean": isinstance(value, bool),
              "integer": isinstance(value, int) and not isinstance(value, bool),
              "number": isinstance(value, (int, float)) and not isinstance(value, bool)}
        assert any(ok[t] for t in types), "%s: %r is not %s" % (where, value, types)
    if "enum" in schema:
        assert value in schema["enum"], "%s: %r not in %r" % (where, value, schema["enum"])
    if isinstance(value, str):
        if "pattern" in schema:
            assert re.search(schema["pattern"], value), "%s: %r does not match %s" % (where, value, schema["pattern"])
        if "minLength" in schema:
            assert len(value) >= schema["minLength"], "%s: too short" % where
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema:
            assert value >= schema["minimum"], "%s: %r < %r" % (where, value, schema["minimum"])
        if "maximum" in schema:
            assert value <= schema["maximum"], "%s: %r > %r" % (where, value, schema["maximum"])
    if isinstance(value, dict):
        for k in schema.get("required", []):
            assert k in value, "%s: missing %s" % (where, k)
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            for k in value:
                assert k in props, "%s: unknown member %s" % (where, k)
        for k, sub in props.items():
            if k in value:
                check(value[k], sub, "%s.%s" % (where, k))
    if isinstance(value, list):
        if "minItems" in schema:
            assert len(value) >= schema["minItems"], "%s: fewer than %d items" % (where, schema["minItems"])
        for i, v in enumerate(value):
            check(v, schema.get("items", {}), "%s[%d]" % (where, i))


def test_every_type_is_listed_with_its_label_roles_and_body():
    rows = schemas()["EventTypes"]["oneOf"]
    names = [r["const"] for r in rows]
    assert len(names) == len(set(names)), names
    for must in ("ledger.create", "key.enroll", "place.register", "asset.register", "allocation.payout", "correction"):
        assert must in names, must
    for r in rows:
        assert re.search(r"[\u4e00-\u9fff]", r["title"]), r
        assert r["x-roles"] and set(r["x-roles"]) <= {"county", "township", "village", "operator", "auditor"}, r
        assert r["x-subject"] in ("county", "key", "project", "asset", "plan", "any", "same", "place"), r
        has_body = body_schema(r["const"]) is not None
        assert has_body == (r["const"] not in ("ledger.create", "key.enroll", "key.revoke")), r
    place = body_schema("place.register")
    assert place["required"] == ["name"] and place["additionalProperties"] is False, place
    status = body_schema("asset.status")["properties"]["status"]
    assert status["x-labels"]["idle"] == "闲置", status


def test_demo_bodies_satisfy_their_schemas():
    code = os.environ.get("AIDREG_LEDGER")
    if not code:
        raise Skip("no demo ledger (AIDREG_LEDGER)")
    entries = C.all_entries(code)
    checked = 0
    for e in entries:
        ev = e.get("event") or {}
        schema = body_schema(ev.get("type", ""))
        if schema is None:
            continue
        check(ev["body"], schema, "entry %d (%s).body" % (e["index"], ev["type"]))
        checked += 1
    assert checked > 50, "only %d bodies checked" % checked


def test_bodies_the_server_refuses_break_the_schema():
    lg = new_ledger(C, "45")
    lg.enroll("root", "county", "county", lg.code)
    schema = body_schema("place.register")
    for body, slug, field in [({}, "missing-field", "/body/name"),
                              ({"name": "镇", "colour": 1}, "unknown-field", "/body/colour"),
                              ({"name": 7}, "invalid-field", "/body/name")]:
        try:
            check(body, schema)
        except AssertionError:
            pass
        else:
            raise AssertionError("the schema accepts %r" % (body,))
        with unchanged(lg):
            assert_problem(lg.submit("county", "place.register", lg.code + "101", body), 400, slug, field)
