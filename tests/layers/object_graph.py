#!/usr/bin/env python3
"""The library's object files must call each other without cycles, no layer may call a
layer above it, and every symbol the library exports carries its prefix: aidreg_ (the
public API, include/aidreg/) or ar_ (internal to registry/), so that nothing collides
with the programs and libraries it is linked with (registry/CMakeLists.txt's layercheck links refuse that too; this
test also names the files). Usage: object_graph.py LAYER=OBJ[:OBJ...] ... in layer order.
Prints the edges it found and every cycle; exits 1 on a cycle or an upward call."""
import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRC":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
    return defined, undefined


def main(args):
    layer_of, objs = {}, {}
    order = []
    for arg in args:
        layer, _, files = arg.partition("=")
        order.append(layer)
        for f in filter(None, files.split(":")):
            name = layer + "/" + os.path.basename(f).replace(".c.o", "").replace(".o", "")
            objs[name] = symbols(f)
            layer_of[name] = layer
    if not objs:
        print("no object files given")
        return 1
    owner = {s: n for n, (d, _) in objs.items() for s in d}
    edges = {n: sorted({owner[s] for s in u if s in owner and owner[s] != n}) for n, (_, u) in objs.items()}
    bad = 0
    for n, (d, _) in sorted(objs.items()):
        for sym in sorted(d):
            # __odr_asan.* and the like are the sanitizers', not ours.
            if not sym.startswith(("aidreg_", "ar_", "__")):
                print(f"unprefixed symbol: {sym} in {n}")
                bad = 1
    rank = {l: i for i, l in enumerate(order)}
    for n, deps in sorted(edges.items()):
        for m in deps:
            if rank[layer_of[m]] > rank[layer_of[n]]:
                print(f"upward call: {n} -> {m}")
                bad = 1
    # Tarjan's strongly connected components: any with more than one file is a cycle.
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in sccs:
        if len(comp) > 1:
            print("call cycle: " + " <-> ".join(sorted(comp)))
            bad = 1
    nedges = sum(len(d) for d in edges.values())
    print(f"{len(objs)} object files in {len(order)} layers, {nedges} calls between files: "
          + ("NOT a layered acyclic graph" if bad else "acyclic, no upward call, every symbol prefixed"))
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
