# perf/lib/cni.sh, sourced by perf/run: a pod wired by CNI plugins in a benchmark's fake host, the
# plugins executed as libcni does (perf/lib/cni_chain.py) inside that host's network namespace.
#   cni-portmap:   bridge (ipMasq: true) + host-local, then portmap: the reference plugins, iptables NAT
#   cni-dataplane: bridge (ipMasq: false) + host-local, then dataplane-cni (masquerade: true) and a
#                  `dataplane daemon` in the fake host: the NAT in BPF
# The pod namespace stays for the whole run (its servers bind wildcard addresses); every N is a DEL of
# the previous attachment and an ADD with N port mappings, each plugin's wall time recorded.
# Needs from perf/run: P, WORK, ROOT, LIB, DP_SOCK, short, ports_list, record, log, note.

CNI_PLUGIN=$ROOT/controlplane/Dataplane.Cni/bin/aot/dataplane-cni
CNI_ADD_BUDGET=${CNI_ADD_BUDGET:-300}   # seconds one ADD of the list may take (portmap is O(N) iptables calls)
declare -A CNI_CID CNI_LAST_PLUGIN

cni_conflist() {   # $1 = config -> the conflist JSON
  local c=$1 s; s=$(short "$1")
  local masq=true last
  [ "$c" = cni-dataplane ] && masq=false
  if [ "$c" = cni-dataplane ]; then
    last="{\"type\": \"dataplane-cni\", \"_binary\": \"$CNI_PLUGIN\", \"capabilities\": {\"portMappings\": true}, \"masquerade\": true, \"socket\": \"${DP_SOCK[$c]}\"}"
  else
    last='{"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}'
  fi
  cat <<EOF
{"cniVersion": "1.0.0", "name": "$P-$s", "plugins": [
  {"type": "bridge", "bridge": "cnibr0", "isGateway": true, "ipMasq": $masq, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "198.19.0.0/17", "gateway": "198.19.0.1"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$WORK/$s-host-local"}},
  $last
]}
EOF
}

cni_setup() {   # $1 = config: conflist and pod namespace (the daemon, for cni-dataplane, is already up)
  local c=$1 s; s=$(short "$1")
  cni_conflist "$c" > "$WORK/$s-conflist.json"
  ip netns add "$P-$s-ctr"; ip -n "$P-$s-ctr" link set lo up
  CTRNS[$c]=$P-$s-ctr
  if [ "$c" = cni-dataplane ]; then CNI_LAST_PLUGIN[$c]=dataplane-cni; else CNI_LAST_PLUGIN[$c]=portmap; fi
}

# One ADD and DEL of a scratch pod before anything is timed: a freshly started daemon compiles its
# CNI path on the first request (JIT), a cost paid once per daemon start, recorded apart (cni_first_*).
cni_warmup() {   # $1 = config
  local c=$1 s; s=$(short "$1")
  local h=$P-$s-host pod=$P-$s-warm out plugin cmd ms
  ip netns add "$pod"
  printf 'tcp:7000:7000\ntcp:7001:7001\nudp:7002:7002\nudp:7003:7003\n' > "$WORK/$s-ports-warm"
  if out=$(nsenter --net=/run/netns/"$h" -- timeout "$CNI_ADD_BUDGET" /usr/bin/python3 "$LIB/cni_chain.py" add "$WORK/$s-conflist.json" \
        /run/netns/"$pod" "$P-$s-warm" "$WORK/$s-ports-warm" "$WORK/$s-warm-cache.json") \
     && out+=$'\n'$(nsenter --net=/run/netns/"$h" -- timeout "$CNI_ADD_BUDGET" /usr/bin/python3 "$LIB/cni_chain.py" del "$WORK/$s-conflist.json" \
        /run/netns/"$pod" "$P-$s-warm" "$WORK/$s-ports-warm" "$WORK/$s-warm-cache.json"); then
    while read -r plugin cmd ms; do
      [ "$plugin" = "${CNI_LAST_PLUGIN[$c]}" ] && record "$c" 4 1 "cni_first_${cmd,,}_ms" "$ms" nan nan
    done <<< "$out"
  else
    note "$c: the warm-up ADD/DEL failed"
  fi
  ip netns del "$pod"
}

# $1 = config $2 = N $3 = rep: DEL of the previous attachment, then ADD with N port mappings, timed per plugin
cni_install() {
  local c=$1 n=$2 rep=$3 s; s=$(short "$1")
  local h=$P-$s-host conf=$WORK/$s-conflist.json cache=$WORK/$s-cni-cache.json ports=$WORK/$s-ports-$n out plugin cmd ms
  if [ -n "${CNI_CID[$c]:-}" ]; then
    out=$(nsenter --net=/run/netns/"$h" -- timeout "$CNI_ADD_BUDGET" /usr/bin/python3 "$LIB/cni_chain.py" del "$conf" /run/netns/"${CTRNS[$c]}" \
      "${CNI_CID[$c]}" "$WORK/$s-ports-prev" "$cache") || { log "$c: CNI DEL failed"; return 1; }
    while read -r plugin cmd ms; do
      [ "$plugin" = "${CNI_LAST_PLUGIN[$c]}" ] && record "$c" "$n" "$rep" cni_del_ms "$ms" nan nan
      [ "$plugin" = bridge ] && record "$c" "$n" "$rep" cni_bridge_del_ms "$ms" nan nan
    done <<< "$out"
    CNI_CID[$c]=
  fi
  ports_list "$n" > "$ports"
  local cid=$P-$s-$n-$rep
  if ! out=$(nsenter --net=/run/netns/"$h" -- timeout "$CNI_ADD_BUDGET" /usr/bin/python3 "$LIB/cni_chain.py" add "$conf" /run/netns/"${CTRNS[$c]}" \
      "$cid" "$ports" "$cache"); then
    note "$c N=$n rep $rep: CNI ADD failed or took over ${CNI_ADD_BUDGET}s (CNI_ADD_BUDGET); nothing measured at this N"
    # what a runtime does after a failed ADD: DEL, so the next ADD starts clean
    nsenter --net=/run/netns/"$h" -- timeout "$CNI_ADD_BUDGET" /usr/bin/python3 "$LIB/cni_chain.py" del "$conf" /run/netns/"${CTRNS[$c]}" \
      "$cid" "$ports" /dev/null > /dev/null 2>&1 || true
    return 1
  fi
  CNI_CID[$c]=$cid
  cp "$ports" "$WORK/$s-ports-prev"
  while read -r plugin cmd ms; do
    [ "$plugin" = "${CNI_LAST_PLUGIN[$c]}" ] && record "$c" "$n" "$rep" cni_add_ms "$ms" nan nan
    [ "$plugin" = bridge ] && record "$c" "$n" "$rep" cni_bridge_add_ms "$ms" nan nan
  done <<< "$out"
  return 0   # the pod's address is host-local's choice: traffic goes to the published host port
}
