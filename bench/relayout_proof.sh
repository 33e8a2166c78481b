#!/usr/bin/env bash
# Proof that the re-layout (issue 20) migrates an existing database with no data change.
#
#   bench/relayout_proof.sh [CURRENT_TREE]      (default: the checkout this script is in)
#
# 1. Checks out the last commit before the re-layout (OLD_COMMIT, 1e20b6c) in a temporary worktree, creates a
#    fresh PostgreSQL database, migrates it and loads the demo data with that old code, the way `manage.py demo`
#    does (migrate, createcachetable, seed_demo), and records every table's row count and a digest of its rows.
# 2. With CURRENT_TREE: `migrate` (must apply nothing), `makemigrations --check --dry-run` (no changes),
#    `showmigrations` (no unapplied migration), then the row counts and digests again, compared table by table.
#
# Environment: PYTHON (default /work/main/.venv/bin/python, used for both checkouts), PGHOST/PGPORT/PGUSER
# (127.0.0.1/5432/postgres), PROOF_DB (fucheng_relayout_proof), OLD_COMMIT (1e20b6c), KEEP=1 keeps the database
# and the work folder. Exit status 0 only when every check holds.
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
CURRENT="$(cd "${1:-$HERE}" && pwd)"
PYTHON="${PYTHON:-/work/main/.venv/bin/python}"
OLD_COMMIT="${OLD_COMMIT:-1e20b6c}"
PROOF_DB="${PROOF_DB:-fucheng_relayout_proof}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"

WORK="$(mktemp -d /tmp/relayout-proof.XXXXXX)"
OLD_TREE="$WORK/old"
cleanup() {
  git -C "$CURRENT" worktree remove --force "$OLD_TREE" >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" != 1 ]; then
    dropdb --if-exists "$PROOF_DB" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# Only this database and a private var/ folder: no shared broker, cache or SQLite file is touched.
unset CELERY_BROKER_URL CACHE_URL FUCHENG_TEST_REDIS_URL DJANGO_SETTINGS_MODULE FUCHENG_ENV
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$PROOF_DB"
export FUCHENG_VAR_DIR="$WORK/var"
export PYTHONDONTWRITEBYTECODE=1

manage() { (cd "$1" && shift && "$PYTHON" manage.py "$@"); }

# One line per table: name, row count, md5 of the rows' text in a fixed order.
snapshot() {
  psql -d "$PROOF_DB" -XqAt -F $'\t' <<'SQL'
DO $$
DECLARE t text; n bigint; h text;
BEGIN
  CREATE TEMP TABLE proof_snapshot (name text, rows bigint, digest text);
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename LOOP
    EXECUTE format('SELECT count(*), coalesce(md5(string_agg(x::text, E''\n'' ORDER BY x::text)), ''-'') FROM %I x', t)
      INTO n, h;
    INSERT INTO proof_snapshot VALUES (t, n, h);
  END LOOP;
END $$;
SELECT name, rows, digest FROM proof_snapshot;
SQL
}

echo "== relayout proof: old $OLD_COMMIT -> current $CURRENT ($(git -C "$CURRENT" rev-parse --short HEAD))"
echo "   database $PROOF_DB on $PGHOST:$PGPORT, python $PYTHON"

git -C "$CURRENT" worktree add --detach "$OLD_TREE" "$OLD_COMMIT" >/dev/null 2>&1
dropdb --if-exists "$PROOF_DB"
createdb "$PROOF_DB"

echo "== (a) old code: migrate, createcachetable, seed_demo"
manage "$OLD_TREE" migrate --noinput -v 0
manage "$OLD_TREE" createcachetable -v 0
manage "$OLD_TREE" seed_demo --quiet-logins -v 0 >"$WORK/seed.log"
snapshot | LC_ALL=C sort >"$WORK/before.tsv"
applied_before=$(psql -d "$PROOF_DB" -XqAt -c "SELECT count(*) FROM django_migrations")
echo "   $(wc -l <"$WORK/before.tsv") tables, $(awk -F'\t' '{s+=$2} END {print s}' "$WORK/before.tsv") rows," \
  "$applied_before migrations applied"

echo "== (b) current code"
failed=0
manage "$CURRENT" migrate --noinput >"$WORK/migrate.log" 2>&1
sed 's/^/   migrate: /' "$WORK/migrate.log"
# Migrations that add a feature after the old commit (a new, empty table) may be named in
# EXPECTED_NEW_MIGRATIONS ("centers.0076_outbound_message ..."); any other migration applied fails the proof.
applied=$(grep -oE 'Applying [a-z_]+\.[0-9a-z_]+' "$WORK/migrate.log" | sed 's/Applying //' | sort)
for migration in $applied; do
  case " ${EXPECTED_NEW_MIGRATIONS:-} " in
    *" $migration "*) echo "   expected new migration applied: $migration" ;;
    *) echo "FAIL: migrate applied $migration"; failed=1 ;;
  esac
done
if manage "$CURRENT" makemigrations --check --dry-run >"$WORK/makemigrations.log" 2>&1; then
  sed 's/^/   makemigrations --check: /' "$WORK/makemigrations.log"
else
  sed 's/^/   makemigrations --check: /' "$WORK/makemigrations.log"
  echo "FAIL: makemigrations --check found model changes"
  failed=1
fi
manage "$CURRENT" showmigrations >"$WORK/showmigrations.log" 2>&1
unapplied=$(grep -c '\[ \]' "$WORK/showmigrations.log" || true)
listed=$(grep -c '\[X\]' "$WORK/showmigrations.log" || true)
echo "   showmigrations: $listed applied, $unapplied unapplied"
[ "$unapplied" = 0 ] || { grep '\[ \]' "$WORK/showmigrations.log"; echo "FAIL: unapplied migrations"; failed=1; }
snapshot | LC_ALL=C sort >"$WORK/after.tsv"

echo "== row counts and row digests, old -> current"
printf '   %-45s %8s %8s  %s\n' table before after rows
LC_ALL=C join -t $'\t' -a1 -a2 -e MISSING -o 0,1.2,2.2,1.3,2.3 "$WORK/before.tsv" "$WORK/after.tsv" | while IFS=$'\t' read -r name b a hb ha; do
  if [ "$b" = "$a" ] && [ "$hb" = "$ha" ]; then same="same"
  elif [ "$b" = MISSING ] && [ "$a" = 0 ]; then same="new, empty"
  else same="CHANGED"; fi
  [ "$b" = 0 ] && [ "$a" = 0 ] || printf '   %-45s %8s %8s  %s\n' "$name" "$b" "$a" "$same"
done
empty=$(awk -F'\t' '$2 == 0' "$WORK/before.tsv" | wc -l)
echo "   ($empty empty tables not listed)"
# Django's own bookkeeping grows with an expected new migration (its row, its content type, its permissions);
# every other table that existed keeps exactly its rows, and a new table is empty.
bookkeeping='^(django_migrations|django_content_type|auth_permission)\t'
LC_ALL=C join -t $'\t' -v2 "$WORK/before.tsv" "$WORK/after.tsv" | awk -F'\t' '$2 != 0' >"$WORK/new_with_rows.tsv"
if [ -n "${EXPECTED_NEW_MIGRATIONS:-}" ]; then
  grep -Ev "$bookkeeping" "$WORK/before.tsv" >"$WORK/before.cmp"
  LC_ALL=C join -t $'\t' -o 0,2.2,2.3 "$WORK/before.tsv" "$WORK/after.tsv" | grep -Ev "$bookkeeping" >"$WORK/after.cmp"
else
  cp "$WORK/before.tsv" "$WORK/before.cmp"; cp "$WORK/after.tsv" "$WORK/after.cmp"
fi
if [ -s "$WORK/new_with_rows.tsv" ]; then cat "$WORK/new_with_rows.tsv"; echo "FAIL: a new table has rows"; failed=1; fi
if diff -u "$WORK/before.cmp" "$WORK/after.cmp" >"$WORK/diff.txt"; then
  echo "== identical: $(wc -l <"$WORK/after.tsv") tables, same row counts and same row digests"
else
  cat "$WORK/diff.txt"
  echo "FAIL: tables differ"
  failed=1
fi
if [ "$failed" = 0 ]; then echo "== PASS"; else echo "== FAIL"; fi
exit "$failed"
