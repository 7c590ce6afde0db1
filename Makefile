# squall: the two commands a new user needs are `make demo` and `make test`.
GO ?= go
BIN := bin/squall

.PHONY: build demo test redis bench fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/squall

# Runs the shipped quickstart scenario against a local redis-server.
demo: redis build
	./$(BIN) run quickstart

# Vet plus every test, race detector on, against real redis-server processes
# (and Docker where an engine answers). Packages run one at a time (-p 1):
# their tests load a real server, and on a 2-core machine running them side
# by side starves the load generators they measure.
test: redis
	$(GO) vet ./...
	$(GO) test -race -count=1 -p 1 -timeout 15m ./...

redis:
	@scripts/ensure-redis.sh

# squall side by side with redis-benchmark on one local redis-server (~4 min),
# then one squall scenario on local processes and on Docker containers, direct
# and through published ports (--docker, ~5 min; skipped without an engine);
# the tables are docs/performance.md. scripts/bench also has
# --pacing (open-loop rate accuracy) and --soak 10m (memory over a long run).
bench: redis build
	$(GO) run ./scripts/bench --squall $(BIN)
	$(GO) run ./scripts/bench --squall $(BIN) --docker

clean:
	rm -rf bin runs
