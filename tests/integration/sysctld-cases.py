#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# sysctld-cases: random but seeded sysctl.d trees for test-explain-differential.sh.
# Writes OUT/N/tree (etc/sysctl.d, run/sysctl.d, usr/local/lib/sysctl.d, usr/lib/sysctl.d,
# lib -> usr/lib, etc/sysctl.conf) and OUT/N/name; only net.ipv4.conf keys, never others.
import os
import random
import sys

seed, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(seed)

NAMES = ["eth0", "cali1a2b", "calic0ffee", "vxlan.calico", "tunl0", "a.b.c", "lxc12", "vx.1",
         "flannel.1", "x*y", "br-x", ".dot0", "e1h0"]
GLOBS = ["*", "cali*", "vx*", "*.calico", "e?h0", "[ev]*", "[!c]*", "*.*", "?*", "lxc[0-9]*",
         "x*", "*0", "[a-f]*", "tunl?", "*b*"]
RESTS = ["rp_filter"] * 8 + ["rp_*", "rp_filte?", "*", "[r]p_filter", "rp_filter*"]
VALUES = ["0", "1", "2", "3", "0", "1", "2", "1", "2", "0x2", "010", "-1", "abc", "", "1 2",
          "08", " 2 ", "4", "6"]
FILES = ["10-a.conf", "20-b.conf", "50-default.conf", "60-x.conf", "99-sysctl.conf",
         "99-zzz.conf", "zz.conf", "A.conf", ".hidden.conf", "noext", "c.conf.bak"]
DIRS = ["etc/sysctl.d", "run/sysctl.d", "usr/local/lib/sysctl.d", "usr/lib/sysctl.d"]


def key_for(name, rest="rp_filter"):
    """One spelling of net/ipv4/conf/NAME/REST as a sysctl.d key."""
    form = rng.random()
    if form < 0.40:  # dotted: dots in the name become slashes
        return "net.ipv4.conf.%s.%s" % (name.replace(".", "/"), rest)
    if form < 0.70:
        return "net/ipv4/conf/%s/%s" % (name, rest)
    if form < 0.78:
        return "/net/ipv4/conf/%s/%s" % (name, rest)
    if form < 0.86:  # the wrong dotted form: a dotted name becomes two components
        return "net.ipv4.conf.%s.%s" % (name, rest)
    if form < 0.93:
        return "net/ipv4//conf/%s/./%s" % (name, rest)
    return "net.ipv4.conf.%s.%s/" % (name.replace(".", "/"), rest)


def line_for(target):
    kind = rng.random()
    if kind < 0.05:
        return rng.choice(["# a comment", "; another", "", "   ", "not an assignment"])
    if kind < 0.12:
        key = key_for(rng.choice(["all", "default"]))
    elif kind < 0.22:
        key = key_for(target)
    elif kind < 0.32:
        key = key_for(rng.choice(NAMES))
    elif kind < 0.60:
        glob = rng.choice(GLOBS)
        key = key_for(glob, rng.choice(RESTS))
    else:  # globs made to match the name (or nearly)
        glob = rng.choice(["*", target[:2] + "*", "*" + target[-1:], "?" + target[1:],
                           target[:1] + "[a-z0-9.]" + target[2:], target + "?"])
        key = key_for(glob, rng.choice(RESTS))
    if rng.random() < 0.10:
        return "-" + key  # an exclusion: keeps globs off KEY
    sep = rng.choice([" = ", "=", " =", "= ", "\t=\t"])
    line = key + sep + rng.choice(VALUES)
    if rng.random() < 0.15:
        line = "-" + line
    if rng.random() < 0.1:
        line = "  " + line + " "
    return line


def write_file(path, target):
    kind = rng.random()
    if kind < 0.10:
        os.symlink("/dev/null", path)
    elif kind < 0.15:
        open(path, "w").close()
    elif kind < 0.19:
        os.symlink("missing.conf", path)  # dangling: still hides the same name later
    elif kind < 0.21:
        os.mkdir(path)
    elif kind < 0.26 and "etc/sysctl.d" in path:
        os.symlink("../sysctl.conf", path)
    else:
        eol = "\r\n" if rng.random() < 0.1 else "\n"
        with open(path, "w", newline="") as f:
            for _ in range(rng.randint(1, 6)):
                f.write(line_for(target) + eol)


for n in range(count):
    case = os.path.join(out, str(n))
    tree = os.path.join(case, "tree")
    target = rng.choice(NAMES)
    for d in DIRS:
        os.makedirs(os.path.join(tree, d))
    os.symlink("usr/lib", os.path.join(tree, "lib"))  # as on this merged-/usr system
    for d in DIRS:
        for name in rng.sample(FILES, rng.randint(0, 4)):
            write_file(os.path.join(tree, d, name), target)
    with open(os.path.join(tree, "etc/sysctl.conf"), "w") as f:
        for _ in range(rng.randint(0, 3)):
            f.write(line_for(target) + "\n")
    with open(os.path.join(case, "name"), "w") as f:
        f.write(target + "\n")
