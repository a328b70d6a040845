# ntc-tui: set-up, run, test, benchmarks and screenshots. Every target installs what it needs first
# and is quick the second time (stamp files in .venv/).

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
ARGS        ?=
RUN_TOOLS   := tshark
TEST_TOOLS  := tshark tcpdump tcpreplay ip tmux
BENCH_TOOLS := $(TEST_TOOLS) mawk
SHOT_FONT   := /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf

.PHONY: run test lint bench screenshots clean system-run system-test system-bench system-shots

# --- system packages (apt-get, non-interactive, only for what is missing) --------------------------
# tool name -> Debian package
pkg_tshark    := tshark
pkg_tcpdump   := tcpdump
pkg_tcpreplay := tcpreplay
pkg_ip        := iproute2
pkg_tmux      := tmux
pkg_mawk      := mawk

define ensure_tools
	@missing=""; for t in $(1); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	pkgs=""; for t in $$missing; do case $$t in \
	  tshark) pkgs="$$pkgs $(pkg_tshark)";; tcpdump) pkgs="$$pkgs $(pkg_tcpdump)";; \
	  tcpreplay) pkgs="$$pkgs $(pkg_tcpreplay)";; ip) pkgs="$$pkgs $(pkg_ip)";; \
	  tmux) pkgs="$$pkgs $(pkg_tmux)";; mawk) pkgs="$$pkgs $(pkg_mawk)";; esac; done; \
	$(call apt_install,$$pkgs)
endef

# apt_install(packages): installs when running as root, else says what to run and fails.
define apt_install
	if [ -n "$(strip $(1))" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "ntc-tui needs the Debian packages:$(1). Run 'sudo apt-get install -y$(1)' or run make as root."; exit 1; \
	  fi; \
	  echo "installing Debian packages:$(1)"; \
	  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1) >/dev/null; \
	fi
endef

system-run:
	$(call ensure_tools,$(RUN_TOOLS))
system-test:
	$(call ensure_tools,$(TEST_TOOLS))
system-bench:
	$(call ensure_tools,$(BENCH_TOOLS))
system-shots: system-test
	@if [ ! -f $(SHOT_FONT) ]; then $(call apt_install,fonts-dejavu-core); fi

# --- Python virtual environment ------------------------------------------------------------------
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "ntc-tui needs Python 3.11 or newer as $(PYTHON)."; exit 1; }
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c 'import ensurepip' 2>/dev/null || \
	  { $(call apt_install, python3-venv); }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# --- what the README promises -------------------------------------------------------------------
run: system-run $(STAMP)
	$(BIN)/ntc-tui $(ARGS)

test: system-test $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check ntc_tui tests
	$(BIN)/ruff format --check ntc_tui tests
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: system-bench $(STAMP)
	$(BIN)/python -m tests.bench

screenshots: system-shots $(STAMP)
	$(BIN)/python -m tests.screenshots screenshots

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
