#!/bin/sh
# Builds the app from the working tree and serves it for the browser tests, on a fresh database.
#
# The build happens in a copy of the sources outside the checkout, so a test run never overwrites
# the developer's build/ or .svelte-kit/, and the copy's build output is not picked up by eslint or
# svelte-check. The embedded PostgreSQL keeps its data in tests/e2e/.output/data, deleted at every
# start, so rate-limit counters and accounts from an earlier run cannot leak into this one.
#
# Usage (from anywhere): sh tests/e2e/serve.sh      Environment: E2E_PORT (default 4183)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PORT=${E2E_PORT:-4183}
OUTPUT="$ROOT/tests/e2e/.output"
DATA_DIR="$OUTPUT/data"
ROOT_KEY=$(printf %s "$ROOT" | sha256sum | cut -c1-12)
APP="${TMPDIR:-/tmp}/sessionboard-e2e-$ROOT_KEY"

# A PostgreSQL left running on this data folder by an interrupted run: stop it before deleting.
LOCK="$DATA_DIR/pg/postmaster.pid"
if [ -f "$LOCK" ]; then
	pid=$(head -n 1 "$LOCK")
	if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$DATA_DIR/pg"; then
		echo "Stopping the test PostgreSQL left running by an earlier run (pid $pid)." >&2
		kill -INT "$pid" 2>/dev/null || true
		tries=0
		while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 50 ]; do
			sleep 0.2
			tries=$((tries + 1))
		done
	fi
fi

rm -rf "$OUTPUT/data" "$OUTPUT/server.log"
# As root, when the postgres user cannot reach DATA_DIR, the app keeps the data in /var/tmp instead
# (see src/lib/server/db/embedded.ts): clear that folder too.
PG_KEY=$(printf %s "$DATA_DIR/pg" | sha256sum | cut -c1-12)
rm -rf "/var/tmp/sessionboard-$PG_KEY"
mkdir -p "$OUTPUT"

rm -rf "$APP"
mkdir -p "$APP"
cd "$ROOT"
cp -R src static drizzle package.json svelte.config.js vite.config.ts tsconfig.json "$APP/"
ln -s "$ROOT/node_modules" "$APP/node_modules"

cd "$APP"
echo "Building the app for the browser tests in $APP" >&2
# The build's chatter goes to the log; if it fails, its end is shown where Playwright prints it.
if ! npm run build >>"$OUTPUT/server.log" 2>&1; then
	echo "The build failed. The end of $OUTPUT/server.log:" >&2
	tail -n 40 "$OUTPUT/server.log" >&2
	exit 1
fi

# Outbox email, never real email; the embedded database, never DATABASE_URL's.
unset DATABASE_URL SMTP_URL NODE_ENV ORIGIN
export PORT DATA_DIR
# A browser context may present an address of its own in X-Forwarded-For (see signUpAndConfirm in
# support/accounts.ts); without the header the app sees no address, as before.
export ADDRESS_HEADER=x-forwarded-for XFF_DEPTH=1
echo "Serving on http://localhost:$PORT (server log: $OUTPUT/server.log)" >&2
exec node build/server.js >>"$OUTPUT/server.log"
