#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# json-strict.py [--int NAME]... FILE [KEY]: every line of FILE must be
# one JSON object that a strict reader takes: no key twice, no number a
# double cannot hold exactly, "version" 1 the first key, and each --int
# NAME an integer.  With KEY, FILE must be one line, and KEY's value is
# printed.  Exit 1, with the reason on standard error, otherwise.
import json
import sys


def pairs(p):
    keys = [k for k, _ in p]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key in %r" % keys)
    return dict(p)


def exact(t):
    if abs(int(t)) >= 2 ** 53:
        raise ValueError("%s does not fit a double" % t)
    return int(t)


args = sys.argv[1:]
ints = []
while len(args) > 1 and args[0] == "--int":
    ints.append(args[1])
    args = args[2:]
if len(args) not in (1, 2):
    sys.exit("usage: json-strict.py [--int NAME]... FILE [KEY]")
bad = 0
objs = []
for line in open(args[0]):
    try:
        o = json.loads(line, object_pairs_hook=pairs, parse_int=exact)
        assert isinstance(o, dict) and list(o)[0] == "version" and o["version"] == 1
        for n in ints:
            assert isinstance(o[n], int) and not isinstance(o[n], bool), n
        objs.append(o)
    except Exception as e:
        print("not strict JSON (%s): %s" % (e, line.strip()), file=sys.stderr)
        bad = 1
if len(args) == 2 and not bad:
    if len(objs) != 1 or args[1] not in objs[0]:
        print("want one object with %s" % args[1], file=sys.stderr)
        bad = 1
    else:
        print(objs[0][args[1]])
sys.exit(bad)
