# Dataplane: the only entry points a user needs.
#   make deps    install system packages (idempotent; quick when present)
#   make build   compile BPF objects, then the .NET solution
#   make test    run every test (privileged ones need root) and print "N passed, N failed, N skipped"
#   make demo    build, then run the demo lab in throwaway namespaces
#   make bench   side-by-side benchmarks (BENCH_ARGS=--quick for the short run)
#   make bench-micro  BenchmarkDotNet suites of the control plane (BENCH_FILTER='*Netlink*')
#   make bench-docker / bench-cni  Docker's own NAT beside Docker mode; portmap beside dataplane-cni
#   make bench-cni-latency  dataplane-cni ADD/DEL wall time (median) beside portmap's

ARCH        := $(shell uname -m)
CONFIG      ?= Release
BPF_CFLAGS  := -O2 -g -target bpf -Wall -Werror -std=gnu11 \
               -Ibpf/include -Ibpf/lib -I/usr/include/$(ARCH)-linux-gnu
BPF_HEADERS := $(wildcard bpf/include/*.h bpf/lib/*.h)
BPF_OBJS    := $(patsubst bpf/%.bpf.c,bpf/out/%.bpf.o,$(wildcard bpf/*.bpf.c))
TEST_BPF_OBJS := $(patsubst tests/bpf/%.bpf.c,tests/bpf/out/%.bpf.o,$(wildcard tests/bpf/*.bpf.c))
APT_PACKAGES := clang llvm libbpf-dev libbpf1 bpftool linux-libc-dev iproute2 iperf3 iputils-ping netcat-openbsd \
                iptables nftables conntrack netsniff-ng wrk procps gnuplot-nox ethtool python3 curl
# The runtimes the frontends' tests drive (dockerd, the CNI reference plugins, Podman; busybox is
# their image) and what NativeAOT (the dataplane command, dataplane-cni) links with.
APT_PACKAGES += docker.io containernetworking-plugins podman busybox-static zlib1g-dev
# The reference Prometheus text parser the observability tests check /metrics with.
APT_PACKAGES += python3-prometheus-client

.PHONY: deps build bpf cli test demo bench bench-micro clean bench-docker bench-cni bench-cni-latency

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet on PATH)"; exit 1; }

bpf: $(BPF_OBJS) $(TEST_BPF_OBJS)

bpf/out/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS)
	@mkdir -p $(@D)
	clang $(BPF_CFLAGS) -c $< -o $@

tests/bpf/out/%.bpf.o: tests/bpf/%.bpf.c $(BPF_HEADERS)
	@mkdir -p $(@D)
	clang $(BPF_CFLAGS) -c $< -o $@

build: bpf
	dotnet build Dataplane.sln -c $(CONFIG) -warnaserror -nologo -v q
	@$(MAKE) --no-print-directory cli

# The `dataplane` command in out/: the NativeAOT client and dataplane-daemon, the program it executes
# for `dataplane daemon` and `dataplane demo` (ASP.NET Core and the BPF loader on the shared runtime,
# precompiled ReadyToRun for this machine's architecture).
DOTNET_RID := linux-$(if $(filter aarch64,$(ARCH)),arm64,x64)
cli:
	dotnet publish controlplane/Dataplane.Daemon -c $(CONFIG) -r $(DOTNET_RID) --self-contained false -o out -warnaserror -nologo -v q
	dotnet publish controlplane/Dataplane.Cli -c $(CONFIG) -r $(DOTNET_RID) -p:PublishAot=true -o out -warnaserror -nologo -v q

# dataplane-cni is published NativeAOT: a runtime starts it on every pod start and stop.
CNI_PLUGIN_DIR := controlplane/Dataplane.Cni/bin/aot
.PHONY: cni-plugin
build: cni-plugin
cni-plugin:
	dotnet publish controlplane/Dataplane.Cni/Dataplane.Cni.csproj -c $(CONFIG) -r $(DOTNET_RID) -o $(CNI_PLUGIN_DIR) -warnaserror -nologo -v q

test: build
	@tests/run

demo: build
	@out/dataplane demo

bench: build
	@perf/run $(BENCH_ARGS)

bench-docker: build
	@perf/run --docker $(BENCH_ARGS)

bench-cni: build
	@perf/run --cni $(BENCH_ARGS)

bench-cni-latency: build
	@perf/cni-latency $(BENCH_ARGS)

BENCH_FILTER ?= *
bench-micro: build
	@cd perf/Dataplane.Benchmarks && dotnet bin/$(CONFIG)/net10.0/Dataplane.Benchmarks.dll --filter '$(BENCH_FILTER)' --artifacts ../results/benchmarkdotnet

clean:
	rm -rf bpf/out tests/bpf/out TestResults out
	dotnet clean Dataplane.sln -nologo -v q
