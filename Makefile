# supervisorlab: build, test and run. `make run` is the main job, `make check` what CI runs.
GO      ?= go
BIN     := bin
CMDS    := supervisor/cmd/supervisord supervisor/cmd/supervisorctl \
           supervisor/cmd/echo_supervisord_conf supervisor/cmd/pidproxy checker/cmd/lab
GOFLAGS_BUILD := -trimpath -ldflags='-s -w'

.PHONY: all deps build deb check vet fmt-check test bench run clean

all: build

deps:
	@.ci/install-go
	@.ci/deps
	@[ -d checker/serve/ui/node_modules ] || (cd checker/serve/ui && npm ci --silent --no-audit --no-fund)
	@$(GO) mod download

# Builds every command that exists into bin/.
build:
	@mkdir -p $(BIN)
	@for c in $(CMDS); do \
	  if ls $$c/*.go >/dev/null 2>&1; then $(GO) build $(GOFLAGS_BUILD) -o $(BIN)/ ./$$c || exit 1; fi; \
	done

# Our Supervisor as the Debian package `supervisor`, and a local apt repository holding it.
DEB_VERSION ?= 4.2.5+lab1
DEB_DIR     := $(BIN)/deb
deb: build
	@VERSION=$(DEB_VERSION) labs/supervisor/packaging/build-deb.sh $(BIN) $(DEB_DIR)
	@REPO_PATH=/var/local/supervisorlab-apt labs/supervisor/packaging/apt-repo.sh $(DEB_DIR)

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test:
	$(GO) test -race -timeout 30m ./...

check: deps vet fmt-check build test

# Benchmarks run ours and Python's side by side and print ratios.
bench: deps build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

run: deps build
	@if [ -x $(BIN)/lab ]; then exec $(BIN)/lab start; \
	else echo "built so far:"; ls $(BIN); fi

clean:
	rm -rf $(BIN)
