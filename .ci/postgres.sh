#!/usr/bin/env bash
# Installs (Debian's postgresql, when missing) and starts a throwaway
# PostgreSQL server on 127.0.0.1 for the processor's tests, with its data in
# target/postgres. Prints the connection settings the tests read
# (AURPAY_TEST_POSTGRES, a postgres:// URL) as its last line.
#   usage: bash .ci/postgres.sh start | stop
set -euo pipefail
cd "$(dirname "$0")/.."

data="$PWD/target/postgres"
bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

case "${1:-start}" in
stop)
    bin=$(bindir)
    if [ -n "$bin" ] && [ -f "$data/PG_VERSION" ]; then
        runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
    fi
    exit 0
    ;;
esac

if [ -z "$(bindir)" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "postgres.sh: PostgreSQL missing and not root" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql > target/apt-postgres.log 2>&1 \
        || { tail -n 30 target/apt-postgres.log >&2; exit 1; }
fi
bin=$(bindir)

# A fresh cluster every run, owned by the postgres user (the server refuses
# to run as root), trusting local connections (loopback only).
runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
rm -rf "$data"
mkdir -p "$data"
chown postgres "$data"
# The first free port from 55432 (another server, or another checkout's
# run, may hold one): nothing answers a connection there.
port=
for candidate in $(seq 55432 55531); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
        port=$candidate
        break
    fi
done
[ -n "$port" ] || { echo "postgres.sh: no free port in 55432-55531" >&2; exit 1; }
runuser -u postgres -- "$bin/initdb" -D "$data" -A trust -U postgres > target/postgres-initdb.log 2>&1 \
    || { tail -n 30 target/postgres-initdb.log >&2; exit 1; }
runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c max_connections=200 -c fsync=off" \
    start > /dev/null
"$bin/pg_isready" -h 127.0.0.1 -p "$port" -t 30 >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
