#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests and prints its URL; with `stop DIR`,
# stops it and removes it. Uses the PostgreSQL server binaries installed on the machine
# (Debian: `apt-get install postgresql`); as root, the server runs as user `postgres`
# (PostgreSQL refuses to run as root). Trust authentication on 127.0.0.1 only, fsync off:
# for tests, never for data that matters.
#
#   url=$(scripts/pg-server.sh start DIR)    # DIR: an empty folder the server lives in
#   scripts/pg-server.sh stop DIR
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] && command -v initdb >/dev/null; then bin=$(dirname "$(command -v initdb)"); fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL's server is not installed (Debian: apt-get install postgresql)," \
       "or set QOTD_TEST_POSTGRES_URL to a server of yours" >&2
  exit 1
fi
as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi

dir=$2
case $1 in
  start)
    if [ "$(id -u)" = 0 ]; then chmod 755 "$dir"; chown postgres "$dir"; fi
    port=54330
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
      "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
      start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
