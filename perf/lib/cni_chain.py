#!/usr/bin/python3
"""Drives a CNI network configuration list exactly as libcni does, and times every plugin.

  cni_chain.py add   CONFLIST NETNS CONTAINER_ID PORTS CACHE   ADD in order; the result cached in CACHE
  cni_chain.py del   CONFLIST NETNS CONTAINER_ID PORTS CACHE   DEL in reverse, the cached result as prevResult
  cni_chain.py bench CONFLIST NETNS PORTS RUNS                 RUNS x (ADD, DEL) of the whole list, medians per plugin

Each plugin runs with the CNI_* environment (nothing else inherited but PATH) and its own configuration
on stdin: the list's name and cniVersion added, prevResult, and runtimeConfig reduced to the
capabilities it declares. PORTS is a file of lines proto:hostport:containerport (the runtime's
portMappings). Run it inside the network namespace the plugins should act on (nsenter --net).
add and del print one line per plugin: `PLUGIN COMMAND MS`. Wall time is time.perf_counter around the
plugin's whole process (fork, exec, start-up, work, exit), as a runtime pays it.
"""
import json
import os
import statistics
import subprocess
import sys
import time

CNI_PATH = "/usr/lib/cni"


def load_ports(path):
    ports = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                proto, host, ctr = line.split(":")
                ports.append({"hostPort": int(host), "containerPort": int(ctr), "protocol": proto, "hostIP": ""})
    return ports


def plugin_binary(plugin):
    return plugin.get("_binary") or os.path.join(CNI_PATH, plugin["type"])


def exec_plugin(conflist, plugin, command, netns, container_id, ports, prev):
    conf = {k: v for k, v in plugin.items() if not k.startswith("_")}
    conf["name"] = conflist["name"]
    conf["cniVersion"] = conflist["cniVersion"]
    if prev is not None:
        conf["prevResult"] = prev
    if plugin.get("capabilities", {}).get("portMappings") and ports:
        conf["runtimeConfig"] = {"portMappings": ports}
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "CNI_COMMAND": command,
        "CNI_CONTAINERID": container_id,
        "CNI_NETNS": netns,
        "CNI_IFNAME": "eth0",
        "CNI_PATH": CNI_PATH + ":" + os.path.dirname(plugin_binary(plugin)),
    }
    stdin = json.dumps(conf).encode()
    start = time.perf_counter()
    p = subprocess.run([plugin_binary(plugin)], input=stdin, env=env, capture_output=True, timeout=3600)
    ms = (time.perf_counter() - start) * 1000
    if p.returncode != 0:
        sys.stderr.write(f"{plugin['type']} {command} exited {p.returncode}: {p.stdout.decode()} {p.stderr.decode()}\n")
        sys.exit(1)
    return ms, (json.loads(p.stdout) if p.stdout.strip() else None)


def add(conflist, netns, cid, ports):
    prev, times = None, []
    for plugin in conflist["plugins"]:
        ms, prev = exec_plugin(conflist, plugin, "ADD", netns, cid, ports, prev)
        times.append((plugin["type"], "ADD", ms))
    return prev, times


def delete(conflist, netns, cid, ports, cached):
    times = []
    for plugin in reversed(conflist["plugins"]):
        ms, _ = exec_plugin(conflist, plugin, "DEL", netns, cid, ports, cached)
        times.append((plugin["type"], "DEL", ms))
    return times


def main(argv):
    verb = argv[1]
    with open(argv[2]) as f:
        conflist = json.load(f)
    netns = argv[3]
    if verb == "add":
        cid, ports, cache = argv[4], load_ports(argv[5]), argv[6]
        result, times = add(conflist, netns, cid, ports)
        with open(cache, "w") as f:
            json.dump(result, f)
    elif verb == "del":
        cid, ports, cache = argv[4], load_ports(argv[5]), argv[6]
        with open(cache) as f:
            text = f.read()
        cached = json.loads(text) if text.strip() else None  # after a failed ADD: nothing cached
        times = delete(conflist, netns, cid, ports, cached)
    elif verb == "bench":
        ports, runs = load_ports(argv[4]), int(argv[5])
        samples = {}
        for i in range(runs):
            cid = f"bench{os.getpid()}x{i}"
            result, t = add(conflist, netns, cid, ports)
            t += delete(conflist, netns, cid, ports, result)
            for plugin, command, ms in t:
                samples.setdefault((plugin, command), []).append(ms)
        for (plugin, command), v in samples.items():
            v.sort()
            print(f"{plugin} {command} median {statistics.median(v):.2f} min {v[0]:.2f} "
                  f"p90 {v[int(0.9 * (len(v) - 1))]:.2f} max {v[-1]:.2f} runs {len(v)}")
        return
    else:
        sys.exit(f"unknown verb {verb}")
    for plugin, command, ms in times:
        print(f"{plugin} {command} {ms:.2f}")


if __name__ == "__main__":
    main(sys.argv)
