#!/usr/bin/python3
"""Where dataplane-cni's ADD and DEL time goes, median over RUNS (time.perf_counter, wall clock).

  cni_profile.py CONFLIST NETNS PORTS RUNS

CONFLIST is bridge (+ host-local) followed by dataplane-cni. One bridge ADD gives the prevResult;
then, each RUNS times, interleaved:
  spawn     /bin/true through the same subprocess call: fork, exec, wait (the floor of any plugin)
  version   dataplane-cni VERSION: the above plus NativeAOT start-up, stdin, JSON out
  status    GET /cni/status on the daemon's socket from here: one API round trip, no work
  api-add   POST /cni/attachments with the body the plugin sends: round trip + the daemon's work
  api-del   DELETE of that attachment
  add, del  the plugin itself, ADD and DEL, as a runtime runs it (process + request + daemon)
Run it inside the network namespace the plugins act on (nsenter --net).
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cni_chain import exec_plugin, load_ports, plugin_binary  # noqa: E402


def http(sock_path, method, path, body=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    s.sendall(head.encode() + data)
    answer = b""
    while chunk := s.recv(65536):
        answer += chunk
    s.close()
    status = int(answer.split(b" ", 2)[1])
    if status >= 300:
        sys.exit(f"{method} {path}: HTTP {status}: {answer[-300:]!r}")
    return status


def attach_body(cid, network, prev, ports, masquerade):
    """The plugin's CniAttachRequest (Controlplane Frontends/Cni/CniContracts.cs), in its JSON casing."""
    ifaces = prev["interfaces"]
    host = [i["name"] for i in ifaces if not i.get("sandbox")]
    ctr = next(i for i in ifaces if i.get("sandbox") and i["name"] == "eth0")
    return {
        "containerId": cid, "ifName": "eth0", "network": network, "hostInterfaces": host, "containerMac": ctr["mac"],
        "addresses": [{"cidr": ip["address"], "gateway": ip.get("gateway")} for ip in prev["ips"]],
        "portMappings": [{"hostPort": p["hostPort"], "containerPort": p["containerPort"], "protocol": p["protocol"], "hostIp": None} for p in ports],
        "masquerade": masquerade, "reserveHostPorts": True,
    }


def timed(fn):
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main(argv):
    with open(argv[1]) as f:
        conflist = json.load(f)
    netns, ports, runs = argv[2], load_ports(argv[3]), int(argv[4])
    bridge, plugin = conflist["plugins"][0], conflist["plugins"][-1]
    sock = plugin["socket"]
    _, prev = exec_plugin(conflist, bridge, "ADD", netns, "profile", [], None)
    conf = {"cniVersion": conflist["cniVersion"]}
    env = {"PATH": "/usr/bin:/bin", "CNI_COMMAND": "VERSION"}
    samples = {k: [] for k in ("spawn", "version", "status", "api-add", "api-del", "add", "del")}
    try:
        for i in range(runs):
            samples["spawn"].append(timed(lambda: subprocess.run(["/bin/true"], input=b"{}", env=env, capture_output=True)))
            samples["version"].append(timed(lambda: subprocess.run([plugin_binary(plugin)], input=json.dumps(conf).encode(), env=env, capture_output=True, check=True)))
            samples["status"].append(timed(lambda: http(sock, "GET", "/cni/status")))
            body = attach_body(f"api{i}", conflist["name"], prev, ports, plugin.get("masquerade", False))
            samples["api-add"].append(timed(lambda: http(sock, "POST", "/cni/attachments", body)))
            samples["api-del"].append(timed(lambda: http(sock, "DELETE", f"/cni/attachments/api{i}/eth0")))
            ms, _ = exec_plugin(conflist, plugin, "ADD", netns, f"plugin{i}", ports, prev)
            samples["add"].append(ms)
            ms, _ = exec_plugin(conflist, plugin, "DEL", netns, f"plugin{i}", ports, prev)
            samples["del"].append(ms)
    finally:
        exec_plugin(conflist, bridge, "DEL", netns, "profile", [], prev)
    for k, v in samples.items():
        v.sort()
        print(f"{k:8} median {statistics.median(v):7.2f} ms  min {v[0]:7.2f}  max {v[-1]:7.2f}  runs {len(v)}")


if __name__ == "__main__":
    main(sys.argv)
