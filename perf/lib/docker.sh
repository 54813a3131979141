# perf/lib/docker.sh, sourced by perf/run: a real Docker engine (Debian's dockerd, containerd, runc)
# inside a benchmark's fake host namespace, as the tests run it (tests/.../Support/Runtimes,
# ../shared/RUNTIMES-IN-A-NAMESPACE.md): containerd and dockerd in a private mount namespace with
# sysfs, the cgroup hierarchies and bpffs mounted as PID 1 has them, tmpfs over /run/containerd and
# /run/docker, and their own data-root, exec-root, containerd root/state/socket, pidfile, API socket,
# config file and cgroup parent. Nothing reaches the root namespace; docker_reap kills by pid.
# Needs from perf/run: P, WORK, PIDS, LIFE, log, note.

DOCKER_IMAGE=dpbench/idle:1

# The mounts runc, containerd and dockerd need, then exec "$@" (run inside unshare --mount).
docker_prologue() {
  echo 'set -e'
  echo 'mount -t sysfs sysfs /sys'
  awk '$2 ~ "^/sys/fs/" && ($3 == "cgroup" || $3 == "cgroup2" || $3 == "bpf" || ($3 == "tmpfs" && $2 == "/sys/fs/cgroup")) {
         n = split($4, o, ","); opts = ""
         for (i = 1; i <= n; i++) if (o[i] != "rw" && o[i] != "relatime" && o[i] != "seclabel") opts = opts (opts == "" ? "" : ",") o[i]
         if (opts == "") opts = "defaults"
         printf "mkdir -p %s && mount -t %s -o %s %s %s\n", $2, $3, opts, $3, $2 }' /proc/1/mounts
  echo 'mkdir -p /run/containerd && mount -t tmpfs -o mode=711 tmpfs /run/containerd'
  echo 'mkdir -p /run/docker && mount -t tmpfs -o mode=711 tmpfs /run/docker'
}

declare -A DK_DIR DK_CTRD DK_DOCKERD
dk() { local c=$1; shift; DOCKER_CONFIG=${DK_DIR[$c]}/cli timeout 600 docker -H unix://"${DK_DIR[$c]}/docker.sock" "$@"; }

# $1 = config, $2 = host namespace, $3 = docker | dataplane (iptables, ip6tables and userland-proxy off)
docker_start() {
  local c=$1 h=$2 mode=$3 dir=$WORK/$(short "$1")-docker i flags=""
  DK_DIR[$c]=$dir
  mkdir -p "$dir/cli"
  printf 'version = 2\nroot = "%s/containerd/root"\nstate = "%s/containerd/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s/containerd.sock"\n' \
    "$dir" "$dir" "$dir" > "$dir/containerd.toml"
  { docker_prologue; echo "exec containerd --config $dir/containerd.toml"; } > "$dir/launch.sh"
  # nsenter and unshare exec without forking: $! is containerd itself
  nsenter --net=/run/netns/"$h" -- unshare --mount --propagation private -- /bin/sh "$dir/launch.sh" >> "$dir/containerd.log" 2>&1 &
  DK_CTRD[$c]=$!; echo "${DK_CTRD[$c]}" >> "$PIDS"
  for ((i = 0; i < 300; i++)); do [ -S "$dir/containerd.sock" ] && break; sleep 0.1; done
  [ -S "$dir/containerd.sock" ] || { log "containerd for $c did not start:"; tail -5 "$dir/containerd.log" >&2; return 1; }
  if [ "$mode" = dataplane ]; then flags="--iptables=false --ip6tables=false --userland-proxy=false"; echo '{"live-restore": true}' > "$dir/daemon.json"
  else echo '{}' > "$dir/daemon.json"; fi
  # shellcheck disable=SC2086
  nsenter --net=/run/netns/"$h" --mount=/proc/"${DK_CTRD[$c]}"/ns/mnt -- dockerd --config-file "$dir/daemon.json" \
    -H unix://"$dir/docker.sock" --containerd "$dir/containerd.sock" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/docker.pid" --cgroup-parent "/$P-$(short "$c")-cg" --bip 198.19.0.1/17 \
    --default-address-pool base=198.19.192.0/18,size=24 $flags >> "$dir/dockerd.log" 2>&1 &
  DK_DOCKERD[$c]=$!; echo "${DK_DOCKERD[$c]}" >> "$PIDS"
  for ((i = 0; i < 600; i++)); do
    curl -s --max-time 1 --unix-socket "$dir/docker.sock" http://docker/_ping 2>/dev/null | grep -q OK && break
    kill -0 "${DK_DOCKERD[$c]}" 2>/dev/null || break
    sleep 0.1
  done
  curl -s --max-time 1 --unix-socket "$dir/docker.sock" http://docker/_ping 2>/dev/null | grep -q OK \
    || { log "dockerd for $c did not answer:"; tail -5 "$dir/dockerd.log" >&2; return 1; }
  docker_image "$c"
}

# An image of busybox-static only: the container idles, the benchmark's servers run in its network
# namespace (entered from outside), so client and server tools are the same binaries in every config.
docker_image() {
  local c=$1 root=$WORK/idle-rootfs
  if [ ! -f "$WORK/idle.tar" ]; then
    mkdir -p "$root/bin" "$root/tmp" "$root/etc"
    cp /bin/busybox "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"; ln -s busybox "$root/bin/sleep"
    echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"
    tar -C "$root" -cf "$WORK/idle.tar" .
  fi
  dk "$c" import "$WORK/idle.tar" "$DOCKER_IMAGE" > /dev/null
}

# $1 = config, $2 = container name, then -p arguments: `docker run -d`, timed (ms on stdout)
docker_run_timed() {
  local c=$1 name=$2 t; shift 2
  t=$(date +%s%N)
  dk "$c" run -d --name "$name" "$@" "$DOCKER_IMAGE" sleep "$LIFE" > "$WORK/dk-run.out" 2>&1 \
    || { log "docker run for $c failed:"; tail -3 "$WORK/dk-run.out" >&2; return 1; }
  echo $(( ($(date +%s%N) - t) / 1000000 ))
}

# $1 = config, $2 = container, $3 = name for its network namespace under /run/netns (ip netns attach)
docker_attach_netns() {
  local pid; pid=$(dk "$1" inspect -f '{{.State.Pid}}' "$2")
  ip netns del "$3" 2>/dev/null || true
  ip netns attach "$3" "$pid"
}

# Every process of the engine by pid (its namespace's, its containers' through their cgroups), then its cgroups.
docker_reap() {   # $1 = PID of the perf run
  local p=dpbench-$1 cg pid round
  for round in 1 2 3 4 5; do
    local pids=""
    for cg in /sys/fs/cgroup/*/"$p"-*-cg /sys/fs/cgroup/"$p"-*-cg; do
      [ -d "$cg" ] || continue
      pids="$pids $(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null || true)"
    done
    pids="$pids $(pgrep -f "/tmp/$p-" 2>/dev/null || true)"
    [ -z "${pids// /}" ] && break
    for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
    sleep 0.2
  done
  for cg in /sys/fs/cgroup/*/"$p"-*-cg /sys/fs/cgroup/"$p"-*-cg; do
    [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}
