# perf/lib/api.sh, sourced by perf/install-ports and perf/daemon-start: a request to a daemon's API socket.

# POST /containers: $1 = the build's label (for the error) $2 = socket $3 = JSON body $4 = file for the answer.
# Prints the wall time in ms; a refusal prints the daemon's answer and fails.
dp_post_containers() {
  local code secs
  read -r code secs < <(curl -s -o "$4" -w '%{http_code} %{time_total}\n' --max-time 300 --unix-socket "$2" \
    -H 'Content-Type: application/json' -d "$3" http://dataplane/containers)
  [ "${code:0:1}" = 2 ] || { echo "POST /containers failed for $1 ($code): $(cat "$4")" >&2; return 1; }
  awk -v s="$secs" 'BEGIN { printf "%.1f\n", s * 1000 }'
}
