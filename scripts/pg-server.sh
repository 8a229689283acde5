#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests and prints its URL; with `stop DIR`,
# stops it and removes it. Uses the PostgreSQL server binaries installed on the machine
# (Debian: `apt-get install postgresql`); as root, the server runs as user `postgres`
# (PostgreSQL refuses to run as root). Trust authentication on 127.0.0.1 only, fsync off:
# for tests, never for data that matters.
#
#   url=$(scripts/pg-server.sh start DIR)    # DIR: an empty folder the server lives in
#   scripts/pg-server.sh halt DIR            # stops it as a crash would, data kept
#   scripts/pg-server.sh resume DIR          # starts it again on the same port
#   scripts/pg-server.sh stop DIR            # stops it and removes DIR
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
    "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
    # A random free port; another server starting at the same moment may take it
    # first, so a failed start tries another.
    for attempt in 1 2 3 4 5; do
      port=$((30000 + RANDOM % 30000))
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
      echo "$port" >"$dir/port"
      if "$0" resume "$dir" 2>/dev/null; then
        echo "postgres://postgres@127.0.0.1:$port/postgres"
        exit 0
      fi
    done
    echo "could not start PostgreSQL; its log:" >&2
    cat "$dir/log" >&2
    exit 1
    ;;
  resume)
    port=$(cat "$dir/port")
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
      "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
      start >/dev/null
    ;;
  halt)
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  stop)
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|halt|resume|stop DIR" >&2
    exit 2
    ;;
esac
