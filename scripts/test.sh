#!/usr/bin/env bash
# The whole test suite, as CI runs it: every test (SQLite is the default database),
# then every integration test again with the bot on PostgreSQL.
#
# The integration tests are one binary (tests/it/), run by cargo-nextest: each test in
# a process of its own. Without cargo-nextest installed, `cargo install cargo-nextest
# --locked` adds it.
#
# PostgreSQL: QOTD_TEST_POSTGRES_URL names a server to use (each test creates its own
# database there). Unset, a throwaway server is started from the PostgreSQL installed
# on this machine (scripts/pg-server.sh) and removed afterwards.
# Arguments go to every `cargo nextest run` (e.g. `--locked`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${QOTD_TEST_POSTGRES_URL:-}" ]; then
  server=$(mktemp -d)
  trap 'scripts/pg-server.sh stop "$server"' EXIT
  QOTD_TEST_POSTGRES_URL=$(scripts/pg-server.sh start "$server")
  export QOTD_TEST_POSTGRES_URL
fi

echo "== tests on SQLite"
QOTD_TEST_DATABASE=sqlite cargo nextest run --workspace "$@"
echo "== integration tests on PostgreSQL"
QOTD_TEST_DATABASE=postgres cargo nextest run --workspace -E 'kind(test)' "$@"
