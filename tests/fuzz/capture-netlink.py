#!/usr/bin/env python3
# Capture real rtnetlink datagrams for the fuzz-netlink seed corpus: a link dump reply
# and the notifications for new, renamed and deleted links, addresses and rp_filter
# changes, each datagram stored as one binary file, exactly as recvmsg() returned it.
# Runs everything in a throwaway network namespace; never touches the host's links.
#   sudo tests/fuzz/capture-netlink.py tests/fuzz/corpus/netlink
import os
import socket
import struct
import subprocess
import sys
import time

RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_NETCONF = 1, 5, 24
RTM_GETLINK = 18
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300


def groups(*gs):
    return sum(1 << (g - 1) for g in gs)


def main():
    if sys.argv[1] == "--inside":
        capture(sys.argv[2])
        return
    out = os.path.abspath(sys.argv[1])
    ns = f"rpfg-fuzzcap-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__), "--inside", out],
                       check=True)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=True)


def capture(out):
    def sh(cmd):
        subprocess.run(cmd, shell=True, check=True)

    sh("sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2")
    sh("ip link add seed0 type veth peer name vxlan.calico && ip link set lo up")
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((0, groups(RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_NETCONF)))
    n = 0

    def drain(tag):
        nonlocal n
        time.sleep(0.2)
        while True:
            try:
                data = s.recv(32768, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            n += 1
            with open(os.path.join(out, f"{tag}-{n:02d}.bin"), "wb") as f:
                f.write(data)

    req = struct.pack("=IHHII", 32, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 4242, 0) + \
        struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
    s.send(req)
    drain("dump")
    sh("ip link add tmp12345 type veth peer name tunl0")
    drain("link-new")
    sh("ip link set tmp12345 name cali1a2b3c4d5e6")
    drain("link-rename")
    sh("ip link set cali1a2b3c4d5e6 up && ip addr add 10.0.0.1/24 dev cali1a2b3c4d5e6")
    drain("addr")
    sh("sysctl -qw net.ipv4.conf.cali1a2b3c4d5e6.rp_filter=1 net.ipv4.conf.all.rp_filter=1"
       " net.ipv4.conf.default.rp_filter=0")
    drain("netconf")
    sh("ip link del cali1a2b3c4d5e6")
    drain("link-del")
    print(f"{n} datagrams written to {out}")


main()
