#!/usr/bin/env bash
# What `make bench` and `make profile` need beside Python, installed as .ci/run installs Chromium and PgBouncer:
# wrk (without it the bench falls back to its Python loader, which shares the 2 cores with the server, so every
# ratio reads lower) and, for `--pooler pgbouncer`, Debian's pgbouncer. As root with apt-get, a missing one is
# installed quietly (apt-get update only if the install fails first); otherwise one line says how to install it.
# Usage: bench/tools.sh bench|profile BENCH_ARGS...
set -uo pipefail

what=${1:-bench}
shift || true
args=" $* "

have_pgbouncer() {
    command -v pgbouncer >/dev/null 2>&1 || [[ -x /usr/sbin/pgbouncer ]] || [[ -x /usr/local/sbin/pgbouncer ]]
}

install() {  # install PACKAGE: 0 when apt-get installed it
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 || return 1
    echo "$what: installing $1 (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1 && return 0
    apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1
}

# wrk: not for `--loader python` (the bench's choice) nor for `make profile`'s `--check` (no load).
if [[ $args != *" --loader python "* && $args != *" --loader=python "* && $args != *" --check "* ]]; then
    if ! command -v wrk >/dev/null 2>&1 && ! install wrk; then
        if [[ $what == profile ]]; then
            echo "profile: wrk is not installed and could not be installed here: sudo apt-get install wrk" >&2
        else
            echo "bench: wrk is not installed, so the Python loader is used (every ratio reads lower):" \
                "sudo apt-get install wrk" >&2
        fi
    fi
fi

if [[ $args == *" --pooler pgbouncer "* || $args == *" --pooler=pgbouncer "* ]] && ! have_pgbouncer; then
    install pgbouncer || echo "bench: --pooler pgbouncer needs Debian's pgbouncer: sudo apt-get install pgbouncer" >&2
fi
exit 0
